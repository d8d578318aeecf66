package backup

import (
	"context"
	"log/slog"
	"time"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

// Jobs are the daemon's periodic backup work, each a func(ctx) error for
// a scheduler: RunBackup (a backup, then a prune) and RunDrill. Take an
// advisory lock around each, so that several daemons run it once.
type Jobs struct {
	Store     *store.Store
	Dest      Destination
	Root      crypto.RootKey // ENCRYPTION_KEY, for drills
	Previous  crypto.RootKey // ENCRYPTION_KEY_PREVIOUS, for drills of older backups; zero for none
	Retention time.Duration  // BACKUP_RETENTION_DAYS
	Options   Options        // of each backup
	Logger    *slog.Logger   // summaries at Info, failures at Error; nil discards

	// OnBackup, OnPrune and OnDrill, when set, receive each job's result,
	// for metrics.
	OnBackup func(Result, error)
	OnPrune  func(PruneResult, error)
	OnDrill  func(Report, error)
}

// RunBackup backs the store up, then prunes, and returns the first error.
// A failed backup still prunes: old backups keep expiring.
func (j *Jobs) RunBackup(ctx context.Context) error {
	res, err := Backup(ctx, j.Store, j.Dest, j.Options)
	done(j, j.OnBackup, res, err)
	if err == nil {
		j.log().Info("backup complete", "backup", res.ID, "records", res.Records(),
			"bytes", res.Manifest.Bytes, "duration", res.Duration)
	}

	pruneErr := j.RunPrune(ctx)
	if err != nil {
		return err
	}
	return pruneErr
}

// RunPrune removes backups past retention and the debris of crashed runs.
func (j *Jobs) RunPrune(ctx context.Context) error {
	res, err := Prune(ctx, j.Dest, PruneOptions{Retention: j.Retention, Audit: j.Store})
	done(j, j.OnPrune, res, err)
	if res.UploadsUnlisted != nil {
		j.log().Warn("incomplete runs kept: unfinished uploads could not be listed",
			"err", res.UploadsUnlisted)
	}
	if err == nil && res.Backups+res.Debris+res.Uploads > 0 {
		j.log().Info("backups pruned", "backups", res.Backups, "debris", res.Debris,
			"uploads", res.Uploads, "bytes", res.Bytes)
	}
	return err
}

// RunDrill restores the newest backup into a scratch database beside the
// live one, verifies every record, and drops it.
func (j *Jobs) RunDrill(ctx context.Context) error {
	rep, err := Drill(ctx, j.Dest, DrillOptions{
		RestoreOptions: RestoreOptions{Backup: Latest, Root: j.Root, Previous: j.Previous, Verify: true,
			RetentionDays: int(j.Store.Retention() / (24 * time.Hour)), Actor: "daemon"},
		Live:  j.Store.Pool(),
		Audit: j.Store,
	})
	done(j, j.OnDrill, rep, err)
	for _, name := range rep.StaleDropped {
		j.log().Warn("dropped the scratch database of a drill that did not finish", "database", name)
	}
	if err == nil {
		j.log().Info("restore drill passed", "backup", rep.Backup, "records",
			rep.restoredRecords(), "duration", rep.Duration)
	}
	return err
}

// done hands a result to its hook and logs a failure.
func done[T any](j *Jobs, hook func(T, error), res T, err error) {
	if hook != nil {
		hook(res, err)
	}
	if err != nil {
		j.log().Error("backup job failed", "error", err)
	}
}

func (j *Jobs) log() *slog.Logger {
	if j.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return j.Logger
}
