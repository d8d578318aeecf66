package retention

import (
	"context"

	"github.com/avrdata/avrdata/store"
)

// Backlog is how many records are past retention at a moment.
type Backlog struct {
	Expired int64 // records created before the cutoff
	Held    int64 // of which their call is under legal hold
}

// Backlog counts the records past retention now, without removing any:
// what a daemon with AUTO_DELETE off reports instead of purging.
func (p *Purger) Backlog(ctx context.Context) (Backlog, error) {
	if err := p.policy.Validate(); err != nil {
		return Backlog{}, err
	}
	expired, held, err := p.store.CountExpired(ctx, p.policy.Cutoff(p.opts.Now()))
	return Backlog{Expired: expired, Held: held}, err
}

// Stored counts the records of s by kind; kinds with no record are
// present with 0.
func Stored(ctx context.Context, s *store.Store) (map[store.Kind]int64, error) {
	return s.CountByKind(ctx)
}
