package retention

import (
	"context"
	"log/slog"
	"time"

	"github.com/avrdata/avrdata/store"
)

// DefaultBatchSize is the number of records a batch examines, and at most
// deletes in one transaction, unless Options say otherwise.
const DefaultBatchSize = 500

// batchTimeout bounds a batch that goes on after its pass was cancelled:
// a shutdown waits for the batch, but not for a database that hangs.
const batchTimeout = time.Minute

// Options tune a Purger.
type Options struct {
	// BatchSize is how many records a batch examines and deletes in one
	// transaction; zero means DefaultBatchSize.
	BatchSize int

	// Logger receives a line per batch and per record at Debug; nil
	// discards them. Summaries are the caller's to log.
	Logger *slog.Logger

	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// OnPurge, when set, is called with each record the pass decided to
	// purge, in id order, before its batch is deleted (in a dry run,
	// instead). A dry run's list is what a pass started at the same moment
	// would remove. Concurrent passes call it concurrently.
	OnPurge func(Verdict)
}

// Purger runs retention passes over a store. It is safe for concurrent use,
// and passes may run at the same time as puts, reads and other passes.
type Purger struct {
	store  *store.Store
	policy Policy
	opts   Options
	log    *slog.Logger
}

// NewPurger returns a Purger of s under policy p.
func NewPurger(s *store.Store, p Policy, opts Options) *Purger {
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Purger{store: s, policy: p, opts: opts, log: log}
}

// Run purges every record past retention whose call is not under hold,
// with their chunks and the calls they leave empty, a batch at a time.
//
// When ctx is cancelled it finishes the batch it is deleting and returns
// the report so far with a *PartialError wrapping ctx's error; a database
// failure stops it the same way. It returns ErrBadPolicy, having done
// nothing, for a policy that is not positive.
func (p *Purger) Run(ctx context.Context) (Report, error) {
	return p.pass(ctx, false)
}

// DryRun decides as Run does, a batch at a time, and removes nothing: its
// report (and Options.OnPurge) gives what Run would remove at this moment.
func (p *Purger) DryRun(ctx context.Context) (Report, error) {
	return p.pass(ctx, true)
}

func (p *Purger) pass(ctx context.Context, dry bool) (Report, error) {
	if err := p.policy.Validate(); err != nil {
		return Report{}, err
	}
	start, now := time.Now(), p.opts.Now()
	rep := Report{DryRun: dry, Cutoff: p.policy.Cutoff(now)}

	err := p.batches(ctx, now, &rep)
	if err == nil && !dry {
		err = p.emptyCalls(ctx, &rep)
	}

	if err != nil && ctx.Err() != nil {
		err = ctx.Err() // what failed, failed because the pass was stopped
	}
	rep.Duration = time.Since(start)
	p.audit(ctx, rep, err)
	if err != nil {
		return rep, &PartialError{Report: rep, Err: err}
	}
	return rep, nil
}

// batches pages through the candidates in id order. Kept records stay
// behind the page cursor, so every record is examined once per pass.
func (p *Purger) batches(ctx context.Context, now time.Time, rep *Report) error {
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		page, err := p.store.Candidates(ctx, rep.Cutoff, after, p.opts.BatchSize)
		if err != nil || len(page) == 0 {
			return err
		}

		b, err := p.batch(ctx, Decide(page, p.policy, now), rep.Cutoff, rep.DryRun)
		if err != nil {
			return err
		}
		rep.add(b)
		if len(page) < p.opts.BatchSize {
			return nil
		}
		after = page[len(page)-1].ID
	}
}
