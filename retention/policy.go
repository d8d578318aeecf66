package retention

import (
	"fmt"
	"time"

	"github.com/avrdata/avrdata/store"
)

// Policy says how long records are kept.
type Policy struct {
	// Retention is how long a record is kept after its created_at.
	Retention time.Duration
}

// Days returns the policy that keeps records n days, as
// DATA_RETENTION_DAYS=n asks.
func Days(n int) Policy {
	return Policy{Retention: time.Duration(n) * 24 * time.Hour}
}

// Validate returns an error wrapping ErrBadPolicy unless the retention
// period is positive.
func (p Policy) Validate() error {
	if p.Retention <= 0 {
		return fmt.Errorf("policy of %v: %w", p.Retention, ErrBadPolicy)
	}
	return nil
}

// Cutoff returns the creation time before which records are expired at
// now.
func (p Policy) Cutoff(now time.Time) time.Time {
	return now.Add(-p.Retention)
}

// ExpiresAt returns when record r expires under p. It ignores r.ExpiresAt,
// which the store computed under the period it was opened with.
func (p Policy) ExpiresAt(r store.Record) time.Time {
	return r.CreatedAt.Add(p.Retention)
}

// Expired reports whether r is past retention at now: created before the
// cutoff. A record created exactly at the cutoff is kept, as
// store.Candidates does.
func (p Policy) Expired(r store.Record, now time.Time) bool {
	return r.CreatedAt.Before(p.Cutoff(now))
}
