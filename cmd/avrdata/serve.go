package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/retention"
	"github.com/avrdata/avrdata/store"
)

func (a *app) serveCommand() *cobra.Command {
	var batch int
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the daemon: retention passes, backups, restore drills, health and metrics",
		Long: `serve checks its whole configuration first and, when anything is wrong, exits 2
naming every variable with a problem: the variables of "avrdata --help", that
LISTEN_ADDR can be bound, that DATABASE_URL answers and that ENCRYPTION_KEY
opens the store's keys. Then it migrates the schema, and runs until SIGTERM or
SIGINT:

  - a retention pass at start and every PURGE_INTERVAL (default 1h): with
    AUTO_DELETE=true it purges the records past DATA_RETENTION_DAYS (never a
    call under legal hold); otherwise it deletes nothing and logs how many
    records are past retention, also shown by /metrics;
  - when BACKUP_URL is set, a backup (then pruning of backups older than
    BACKUP_RETENTION_DAYS) every BACKUP_INTERVAL (default 24h), and a restore
    drill of the newest backup into a scratch database, fully verified, every
    RESTORE_DRILL_INTERVAL (default 168h);
  - an HTTP listener on LISTEN_ADDR (default 127.0.0.1:9470): /healthz (the
    process runs), /readyz (the database answers and the keys are open; 503
    otherwise) and Prometheus /metrics.

Several daemons may share one database: each periodic job runs at multiples
of its interval under a PostgreSQL advisory lock, so one daemon runs it.
On SIGTERM the daemon finishes the batch it is deleting, stops the listener
and exits 0. Logs go to stderr (LOG_FORMAT, LOG_LEVEL; LOG_SECURITY=true adds
the audit events), never with a secret.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE),
DATA_RETENTION_DAYS, AUTO_DELETE, BACKUP_URL, BACKUP_RETENTION_DAYS, LOG_LEVEL, LOG_FORMAT,
LOG_SECURITY, LISTEN_ADDR, PURGE_INTERVAL, BACKUP_INTERVAL,
RESTORE_DRILL_INTERVAL.

  AUTO_DELETE=true DATA_RETENTION_DAYS=90 avrdata serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if batch < 1 {
				return usageErrorf("--purge-batch-size %d: want 1 or more records", batch)
			}
			return a.serve(cmd.Context(), batch)
		},
	}
	cmd.Flags().IntVar(&batch, "purge-batch-size", retention.DefaultBatchSize,
		"records a retention pass examines and deletes per transaction")
	return cmd
}

// daemon is a running avrdata serve.
type daemon struct {
	cfg     *Config
	root    *slog.Logger // LOG_LEVEL, LOG_FORMAT; components add theirs
	log     *slog.Logger // the daemon's own lines
	metrics *metrics
	pool    *pgxpool.Pool
	store   atomic.Pointer[store.Store] // nil until migrated and open
	key     crypto.RootKey              // for restore drills
	prevKey crypto.RootKey              // ENCRYPTION_KEY_PREVIOUS, for drills of older backups
	batch   int
	backups backupJobs
}

// serve runs the daemon until ctx is cancelled.
func (a *app) serve(ctx context.Context, batch int) error {
	d := &daemon{metrics: newMetrics(), batch: batch}
	opts := a.daemonStoreOptions(d.metrics)
	st, err := a.checkServe(ctx, opts)
	if err != nil {
		return err
	}
	defer st.close()
	d.cfg, d.root, d.pool, d.key, d.prevKey = a.config(), a.logger(), st.pool, st.key, st.previous
	d.log = d.logger("daemon")
	d.logStart(st.listener.Addr())

	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	web := d.serveHTTP(st.listener, stop)
	if err := d.open(ctx, st, opts); err == nil {
		d.scheduler().run(ctx, d.jobs())
	} else {
		stop(err)
	}

	d.log.Info("stopping")
	web.shutdown()
	return d.stopError(ctx)
}

// stopError is why the daemon stopped: nil when it was asked to (SIGTERM,
// SIGINT), else what made it stop, which the command reports.
func (d *daemon) stopError(ctx context.Context) error {
	cause := context.Cause(ctx)
	if errors.Is(cause, context.Canceled) {
		d.log.Info("stopped")
		return nil
	}
	return cause
}

// logger returns the logger of a component of the daemon.
func (d *daemon) logger(component string) *slog.Logger {
	return d.root.With("component", component)
}

// daemonStoreOptions are the store's options in the daemon: audit events
// feed the metrics, and the log when LOG_SECURITY asks.
func (a *app) daemonStoreOptions(m *metrics) store.Options {
	security := a.securityLog()
	return store.Options{
		RetentionDays: a.config().RetentionDays,
		Actor:         "daemon",
		Logger:        a.logger().With("component", "store"),
		Events: func(e store.Event) {
			m.observeEvent(e)
			if security != nil {
				security(e)
			}
		},
	}
}

// logStart logs the effective configuration, without secrets.
func (d *daemon) logStart(addr net.Addr) {
	c := d.cfg
	backupURL := "none"
	if c.BackupURL != "" {
		backupURL = redactURL(c.BackupURL)
	}
	d.log.Info("starting avrdata serve", "database", databaseName(c.DatabaseURL),
		"retention_days", c.RetentionDays, "auto_delete", c.AutoDelete,
		"backup_url", backupURL, "listen_addr", addr.String(),
		"purge_interval", c.PurgeInterval.String(), "purge_batch_size", d.batch,
		"backup_interval", c.BackupInterval.String(),
		"restore_drill_interval", c.RestoreDrillInterval.String(),
		"log_level", c.LogLevel.String(), "log_format", c.LogFormat, "log_security", c.LogSecurity)
	if c.BackupURL == "" {
		d.log.Warn("BACKUP_URL is not set: no backups and no restore drills")
	}
}

// open migrates the schema and opens the store, unless the checks opened
// it already (the schema was current).
func (d *daemon) open(ctx context.Context, st *startup, opts store.Options) error {
	applied, err := store.Migrate(ctx, d.pool)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		d.log.Info("schema migrated", "versions", applied)
	}

	s := st.store
	if s == nil {
		if s, err = store.New(ctx, d.pool, st.key, opts); err != nil {
			return fmt.Errorf("open store: %w", err)
		}
		st.store = s
	}
	d.store.Store(s)
	return nil
}
