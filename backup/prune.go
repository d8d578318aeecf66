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
	Uploads   int   // unfinished uploads aborted
	Bytes     int64 // the size of both
	DryRun    bool
	Duration  time.Duration

	// UploadsUnlisted is why the destination's unfinished uploads could
	// not be listed (missing s3:ListBucketMultipartUploads, say), or nil.
	// Without them a run that is still uploading may look idle, so Prune
	// then keeps every incomplete run and removes only expired backups.
	UploadsUnlisted error
}

// Prune removes the backups at dest that Plan says to remove: complete
// backups past opts.Retention (never the newest one) and what crashed or
// killed runs left. On a destination with PendingUploads it aborts the
// unfinished uploads of the runs it removes, and those under complete
// backups that wrote nothing for opts.Grace. A complete backup loses its
// manifest first, so that it stops being listed before any of its
// objects goes; a prune that is interrupted leaves debris that the next
// one removes. It leaves a "prune" audit event with opts.Audit unless
// DryRun.
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
	all, unlisted, err := pruneRuns(ctx, dest)
	if err != nil {
		return res, err
	}
	res.UploadsUnlisted = unlisted

	byID := make(map[string]run, len(all))
	for _, r := range all {
		byID[r.id] = r
	}
	res.Decisions = Plan(planRuns(all), pruneNow(opts), opts.Retention, pruneGrace(opts))
	if unlisted != nil {
		keepIncomplete(res.Decisions)
	}
	if opts.DryRun {
		return res, nil
	}
	for _, d := range res.Decisions {
		if d.Remove {
			if err := removeRun(ctx, dest, byID[d.ID]); err != nil {
				return res, err
			}
			res.count(d)
		}
		if err := abortUploads(ctx, dest, d, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// pruneRuns lists the runs at dest with their unfinished uploads. The
// uploads are listed first: one that finishes in between then shows
// twice, rather than not at all. When they cannot be listed, the runs
// come without them and unlisted says why.
func pruneRuns(ctx context.Context, dest Destination) (all []run, unlisted, err error) {
	var pending []PendingUpload
	if p, ok := dest.(PendingUploads); ok {
		if pending, err = p.Pending(ctx, ""); err != nil {
			if ctx.Err() != nil {
				return nil, nil, err
			}
			unlisted = fmt.Errorf("list unfinished uploads at %s: %w", dest, err)
		}
	}

	objects, err := dest.List(ctx, "")
	if err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", dest, err)
	}
	return groupRuns(objects, pending), unlisted, nil
}

// keepIncomplete turns the removal of incomplete runs into keeping them:
// without their uploads in view, one that is still being written may look
// idle.
func keepIncomplete(decisions []Decision) {
	for i, d := range decisions {
		if d.Remove && !d.Complete {
			decisions[i].Remove, decisions[i].Abort = false, nil
			decisions[i].Reason = "incomplete; kept, as unfinished uploads could not be listed"
		}
	}
}

// planRuns describes runs for Plan.
func planRuns(all []run) []Run {
	out := make([]Run, len(all))
	for i, r := range all {
		p := Run{ID: r.id, Time: r.time, Complete: r.complete(),
			Objects: len(r.objects), Uploads: r.pending}
		for _, o := range r.objects {
			p.Bytes += o.Size
			p.LastWrite = later(p.LastWrite, o.Modified)
		}
		for _, u := range r.pending {
			p.Bytes += u.Size
			p.LastWrite = later(p.LastWrite, u.LastWrite)
		}
		out[i] = p
	}
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
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

// abortUploads aborts the uploads d says to, and counts them in res.
func abortUploads(ctx context.Context, dest Destination, d Decision, res *PruneResult) error {
	if len(d.Abort) == 0 {
		return nil
	}
	p, ok := dest.(PendingUploads)
	if !ok {
		return fmt.Errorf("prune %s: %s cannot abort uploads", d.ID, dest)
	}

	for _, u := range d.Abort {
		if err := p.AbortPending(ctx, u); err != nil {
			return fmt.Errorf("prune %s: abort upload of %s: %w", d.ID, u.Name, err)
		}
		res.Uploads++
		res.Bytes += u.Size
	}
	return nil
}

// count counts a removed run's objects in res; abortUploads counts its
// uploads.
func (res *PruneResult) count(d Decision) {
	if d.Complete {
		res.Backups++
	} else {
		res.Debris++
	}
	res.Objects += d.Objects
	res.Bytes += d.Bytes
	for _, u := range d.Uploads {
		res.Bytes -= u.Size
	}
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
			"debris":           res.Debris,
			"objects":          res.Objects,
			"uploads":          res.Uploads,
			"bytes":            res.Bytes,
			"duration_ms":      res.Duration.Milliseconds(),
			"uploads_unlisted": errText(res.UploadsUnlisted),
		}}
}

// errText is err's message, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
