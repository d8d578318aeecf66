package retention

import (
	"context"
	"time"

	"github.com/avrdata/avrdata/store"
)

// auditTimeout bounds the writing of a pass's audit event, which goes on
// after a cancellation: the trail must say what a stopped pass did.
const auditTimeout = 10 * time.Second

// audit appends the pass's one "purge" event. A failure to write it is
// logged, not returned: the deletions it describes have happened.
func (p *Purger) audit(ctx context.Context, rep Report, err error) {
	e := store.Event{Action: "purge", Outcome: outcome(rep, err), Count: rep.Records,
		Detail: map[string]any{
			"bytes":          rep.Bytes,
			"calls":          rep.Calls,
			"held":           rep.Held,
			"skipped":        rep.Skipped,
			"batches":        rep.Batches,
			"cutoff":         rep.Cutoff.UTC().Format(time.RFC3339),
			"retention_days": p.policy.Retention.Hours() / 24,
			"duration_ms":    rep.Duration.Milliseconds(),
		}}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	if aerr := p.store.Audit(actx, e); aerr != nil {
		p.log.Error("write purge audit event", "outcome", e.Outcome, "error", aerr)
	}
}

// outcome names how a pass ended: ok, dry-run, partial (stopped by its
// context) or failed.
func outcome(rep Report, err error) string {
	switch {
	case err != nil && ctxErr(err):
		return "partial"
	case err != nil:
		return "failed"
	case rep.DryRun:
		return "dry-run"
	}
	return "ok"
}
