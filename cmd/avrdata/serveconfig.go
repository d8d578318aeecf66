package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/backup/location"
	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

// serveVariables are the variables serve reads: every one of DESIGN.md's
// table. ENCRYPTION_KEY_PREVIOUS is optional, for drills of backups made
// before a root key rotation.
var serveVariables = []string{"DATABASE_URL", "ENCRYPTION_KEY", "ENCRYPTION_KEY_PREVIOUS",
	"DATA_RETENTION_DAYS", "AUTO_DELETE", "BACKUP_URL", "BACKUP_RETENTION_DAYS", "LOG_LEVEL",
	"LOG_FORMAT", "LOG_SECURITY", "LISTEN_ADDR",
	"PURGE_INTERVAL", "BACKUP_INTERVAL", "RESTORE_DRILL_INTERVAL"}

// startup is what serve's checks opened, for the daemon to keep.
type startup struct {
	key      crypto.RootKey
	previous crypto.RootKey // ENCRYPTION_KEY_PREVIOUS, zero when unset
	pool     *pgxpool.Pool
	store    *store.Store // nil when the schema must be migrated first
	listener net.Listener
}

func (st *startup) close() {
	if st.listener != nil {
		st.listener.Close()
	}
	if st.store != nil {
		st.store.Close()
	}
	if st.pool != nil {
		st.pool.Close()
	}
}

// checkServe validates serve's whole configuration before the daemon does
// anything: the variables, then what they name (the listen address can be
// bound, the database answers, the key opens its keysets). It returns a
// *ConfigError naming every problem with its variable.
//
// The key is checked by opening the store, which needs a database at the
// latest schema and a valid DATA_RETENTION_DAYS; otherwise the store refuses
// a wrong key right after the migrations. Opening creates the keysets of a
// new store and records the retention period, as any start does.
func (a *app) checkServe(ctx context.Context, opts store.Options) (*startup, error) {
	cfg := a.config()
	st := &startup{}
	key, keyOK := a.rootKey("ENCRYPTION_KEY", true)
	st.key = key
	st.previous, _ = a.rootKey("ENCRYPTION_KEY_PREVIOUS", false)
	a.checkBackupURL()
	a.checkIntervals()
	st.listener = a.listen()
	st.pool = a.reachDatabase(ctx)

	if st.pool != nil && keyOK && !cfg.bad("DATA_RETENTION_DAYS") {
		s, err := a.checkKey(ctx, st.pool, key, opts)
		if err != nil {
			st.close()
			return nil, err
		}
		st.store = s
	}
	if err := cfg.Validate(serveVariables...); err != nil {
		st.close()
		return nil, err
	}
	return st, nil
}

// bad reports whether variable has a problem.
func (c *Config) bad(variable string) bool {
	_, found := c.problems[variable]
	return found
}

// checkBackupURL notes a BACKUP_URL that names no destination.
func (a *app) checkBackupURL() {
	cfg := a.config()
	if cfg.BackupURL == "" {
		return
	}
	if _, err := location.Parse(cfg.BackupURL); err != nil {
		cfg.addProblem("BACKUP_URL", err.Error())
	}
}

// minInterval is the shortest interval of a periodic job.
const minInterval = time.Second

// checkIntervals notes job intervals too short to be meant.
func (a *app) checkIntervals() {
	cfg := a.config()
	intervals := map[string]time.Duration{"PURGE_INTERVAL": cfg.PurgeInterval,
		"BACKUP_INTERVAL": cfg.BackupInterval, "RESTORE_DRILL_INTERVAL": cfg.RestoreDrillInterval}
	for variable, d := range intervals {
		if d < minInterval && !cfg.bad(variable) {
			cfg.addProblem(variable, fmt.Sprintf("%v is shorter than %v", d, minInterval))
		}
	}
}

// listen binds LISTEN_ADDR, or notes why it cannot.
func (a *app) listen() net.Listener {
	cfg := a.config()
	if cfg.bad("LISTEN_ADDR") {
		return nil
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		cfg.addProblem("LISTEN_ADDR", fmt.Sprintf("cannot listen on %s: %v", cfg.ListenAddr, err))
		return nil
	}
	return ln
}

// reachDatabase connects to DATABASE_URL, or notes why it cannot. The
// store's connection errors never hold the password.
func (a *app) reachDatabase(ctx context.Context) *pgxpool.Pool {
	cfg := a.config()
	if cfg.bad("DATABASE_URL") {
		return nil
	}
	pool, err := store.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		cfg.addProblem("DATABASE_URL", firstLine(err.Error())+hintSuffix(err))
		return nil
	}
	return pool
}

// firstLine is the first line of msg: a connection error has a line per
// address tried, often all saying the same.
func firstLine(msg string) string {
	first, _, _ := strings.Cut(msg, "\n")
	return first
}

// checkKey opens the store on a migrated database, which checks the key.
// A refused key or a schema newer than this avrdata is a configuration
// problem; a schema that needs migrating is not (nil store, no error).
func (a *app) checkKey(ctx context.Context, pool *pgxpool.Pool, key crypto.RootKey,
	opts store.Options) (*store.Store, error) {
	s, err := store.New(ctx, pool, key, opts)
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, store.ErrNotMigrated):
		return nil, nil
	case errors.Is(err, crypto.ErrWrongKey):
		a.config().addProblem("ENCRYPTION_KEY", problemText("ENCRYPTION_KEY", err))
		return nil, nil
	case errors.Is(err, store.ErrSchemaTooNew):
		a.config().addProblem("DATABASE_URL", err.Error()+hintSuffix(err))
		return nil, nil
	}
	return nil, fmt.Errorf("open store: %w", err)
}

// hintSuffix is "; " and err's hint, or nothing.
func hintSuffix(err error) string {
	var h hinter
	if errors.As(err, &h) && h.Hint() != "" {
		return "; " + h.Hint()
	}
	return ""
}

// databaseName shows where DATABASE_URL points without its password:
// user@host:port/database.
func databaseName(databaseURL string) string {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return "(unparsable)"
	}
	c := cfg.ConnConfig
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// redactURL is raw with any password replaced by "xxxxx".
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}
