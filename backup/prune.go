package backup

import (
	"context"
	"fmt"
	"time"

	"github.com/avrdata/avrdata/store"
)

// DefaultGrace is how long a run without a manifest may go without
// writing before Prune takes it for crashed.
const DefaultGrace = time.Hour

// PruneOptions configure Prune.
type PruneOptions struct {
	// Retention is BACKUP_RETENTION_DAYS: complete backups older than it
	// are removed, except the newest one. It must be positive.
	Retention time.Duration

	// Grace is how long a run without a manifest may go without writing
	// before it counts as crashed; zero means DefaultGrace.
	Grace time.Duration

	// Now is the time age is judged at; zero means time.Now().
	Now time.Time

	// DryRun decides and reports, and deletes nothing.
	DryRun bool

	// Audit receives the "prune" event; nil for none.
	Audit Auditor
}

// PruneResult is what Prune decided and did.
type PruneResult struct {
	Decisions []Decision
	Backups   int   // complete backups removed
	Debris    int   // incomplete runs removed
	Objects   int   // objects deleted
	Bytes     int64 // their size
	DryRun    bool
	Duration  time.Duration
}

// Prune removes the backups at dest that Plan says to remove: complete
// backups past opts.Retention (never the newest one) and what crashed or
// killed runs left. A complete backup loses its manifest first, so that
// it stops being listed before any of its objects goes; a prune that is
// interrupted leaves debris that the next one removes. It leaves a
// "prune" audit event with opts.Audit unless DryRun.
func Prune(ctx context.Context, dest Destination, opts PruneOptions) (PruneResult, error) {
	start := time.Now()
	res, err := prune(ctx, dest, opts)
	res.Duration = time.Since(start)
	if opts.DryRun {
		return res, err
	}

	if auditErr := audit(ctx, opts.Audit, pruneEvent(res, err)); auditErr != nil && err == nil {
		err = fmt.Errorf("prune done, but not audited: %w", auditErr)
	}
	return res, err
}

func prune(ctx context.Context, dest Destination, opts PruneOptions) (PruneResult, error) {
	res := PruneResult{DryRun: opts.DryRun}
	if opts.Retention <= 0 {
		return res, fmt.Errorf("prune: retention must be positive, got %s", opts.Retention)
	}
	all, err := runs(ctx, dest)
	if err != nil {
		return res, err
	}

	byID := make(map[string]run, len(all))
	for _, r := range all {
		byID[r.id] = r
	}
	res.Decisions = Plan(planRuns(all), pruneNow(opts), opts.Retention, pruneGrace(opts))
	for _, d := range res.Decisions {
		if !d.Remove || opts.DryRun {
			continue
		}
		if err := removeRun(ctx, dest, byID[d.ID]); err != nil {
			return res, err
		}
		res.count(d)
	}
	return res, nil
}

// planRuns describes runs for Plan.
func planRuns(all []run) []Run {
	out := make([]Run, len(all))
	for i, r := range all {
		out[i] = Run{ID: r.id, Time: r.time, Complete: r.complete(), Objects: len(r.objects)}
		for _, o := range r.objects {
			out[i].Bytes += o.Size
			if o.Modified.After(out[i].LastWrite) {
				out[i].LastWrite = o.Modified
			}
		}
	}
	return out
}

// removeRun deletes a run's objects, its manifest first.
func removeRun(ctx context.Context, dest Destination, r run) error {
	manifest := objectPath(r.id, manifestName)
	if r.complete() {
		if err := dest.Delete(ctx, manifest); err != nil {
			return fmt.Errorf("prune %s: %w", r.id, err)
		}
	}
	for _, o := range r.objects {
		if o.Name == manifest {
			continue
		}
		if err := dest.Delete(ctx, o.Name); err != nil {
			return fmt.Errorf("prune %s: %w", r.id, err)
		}
	}
	return nil
}

func (res *PruneResult) count(d Decision) {
	if d.Complete {
		res.Backups++
	} else {
		res.Debris++
	}
	res.Objects += d.Objects
	res.Bytes += d.Bytes
}

func pruneNow(opts PruneOptions) time.Time {
	if opts.Now.IsZero() {
		return time.Now()
	}
	return opts.Now
}

func pruneGrace(opts PruneOptions) time.Duration {
	if opts.Grace > 0 {
		return opts.Grace
	}
	return DefaultGrace
}

func pruneEvent(res PruneResult, err error) store.Event {
	return store.Event{Action: "prune", Outcome: outcome(err), Count: int64(res.Backups),
		Detail: map[string]any{
			"debris":      res.Debris,
			"objects":     res.Objects,
			"bytes":       res.Bytes,
			"duration_ms": res.Duration.Milliseconds(),
		}}
}
