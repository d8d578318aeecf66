package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/backup/location"
)

// backupJobs builds the backup jobs once, on their first run: the store is
// open by then.
type backupJobs struct {
	once sync.Once
	jobs *backup.Jobs
	err  error
}

// backupJobs returns the daemon's backup jobs over BACKUP_URL.
func (d *daemon) backupJobs(ctx context.Context) (*backup.Jobs, error) {
	d.backups.once.Do(func() {
		dest, err := location.Open(ctx, d.cfg.BackupURL)
		if err != nil {
			d.backups.err = err
			return
		}
		d.backups.jobs = &backup.Jobs{
			Store:     d.store.Load(),
			Dest:      dest,
			Root:      d.key,
			Previous:  d.prevKey,
			Retention: time.Duration(d.cfg.BackupRetentionDays) * 24 * time.Hour,
			Logger:    d.logger("backup"),
			OnBackup:  d.metrics.observeBackup,
			OnDrill:   d.metrics.observeDrill,
			OnPrune:   d.metrics.observePrune,
		}
	})
	return d.backups.jobs, d.backups.err
}

// backupJob writes a backup, then prunes old ones.
func (d *daemon) backupJob(ctx context.Context) error {
	j, err := d.backupJobs(ctx)
	if err != nil {
		return err
	}
	return j.RunBackup(ctx)
}

// drillJob restores the newest backup into a scratch database and
// verifies it. With no backup yet there is nothing to drill: it says so
// and waits for the next interval.
func (d *daemon) drillJob(ctx context.Context) error {
	j, err := d.backupJobs(ctx)
	if err != nil {
		return err
	}
	err = j.RunDrill(ctx)
	if errors.Is(err, backup.ErrNoBackup) {
		d.logger("backup").Warn("restore drill skipped: no complete backup yet")
		return nil
	}
	return err
}
