package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/avrdata/avrdata/retention"
)

// jobs are the daemon's periodic jobs, each with its interval and lock:
// retention always, backups and restore drills when BACKUP_URL is set.
func (d *daemon) jobs() []job {
	jobs := []job{
		{name: "purge", interval: d.cfg.PurgeInterval, atStart: true, run: d.retentionJob},
	}
	if d.cfg.BackupURL != "" {
		jobs = append(jobs,
			job{name: "backup", interval: d.cfg.BackupInterval, run: d.backupJob},
			job{name: "restore-drill", interval: d.cfg.RestoreDrillInterval, run: d.drillJob})
	}
	return jobs
}

func (d *daemon) scheduler() *scheduler {
	return &scheduler{pool: d.pool, log: d.logger("jobs")}
}

// retentionJob is one retention pass: a purge when AUTO_DELETE is true,
// else a count of what is past retention. Either way it refreshes the
// gauges of what is stored.
func (d *daemon) retentionJob(ctx context.Context) error {
	log := d.logger("retention")
	p := retention.NewPurger(d.store.Load(), retention.Days(d.cfg.RetentionDays),
		retention.Options{BatchSize: d.batch, Logger: log})

	var err error
	if d.cfg.AutoDelete {
		err = d.purge(ctx, p, log)
	}
	if ctx.Err() != nil {
		return err
	}
	if gerr := d.refreshGauges(ctx, p, log); err == nil {
		err = gerr
	}
	return err
}

// purge runs a pass and logs its summary, also of a pass that stopped
// after some batches.
func (d *daemon) purge(ctx context.Context, p *retention.Purger, log *slog.Logger) error {
	rep, err := p.Run(ctx)
	d.metrics.observePurge(rep, err)
	if err == nil || rep.Batches > 0 {
		log.Info("purge pass", "records", rep.Records, "bytes", rep.Bytes, "calls", rep.Calls,
			"held", rep.Held, "skipped", rep.Skipped, "batches", rep.Batches,
			"cutoff", rep.Cutoff.UTC().Format(time.RFC3339),
			"duration", rep.Duration.Round(time.Millisecond).String(), "complete", err == nil)
	}
	return err
}

// refreshGauges sets the gauges of records stored and past retention and,
// when AUTO_DELETE is off, logs how many records are past retention.
func (d *daemon) refreshGauges(ctx context.Context, p *retention.Purger, log *slog.Logger) error {
	b, err := p.Backlog(ctx)
	if err != nil {
		return err
	}
	d.metrics.setBacklog(b)
	if !d.cfg.AutoDelete {
		log.Info("records past retention, not purged: AUTO_DELETE is not true",
			"records", b.Expired, "held", b.Held, "retention_days", d.cfg.RetentionDays)
	}

	counts, err := retention.Stored(ctx, d.store.Load())
	if err != nil {
		return err
	}
	d.metrics.setStored(counts)
	return nil
}
