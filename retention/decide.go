package retention

import (
	"fmt"
	"time"

	"github.com/avrdata/avrdata/store"
)

// Verdict is the decision about one record and its reason, such as
// "expired 3d ago", "legal hold, expired 3d ago" or "within retention,
// expires in 5d".
type Verdict struct {
	Record store.Record
	Purge  bool
	Reason string
}

// Decision is what a pass does with a set of records.
type Decision struct {
	Purge []Verdict // expired, and their call is not under hold
	Keep  []Verdict // within retention, or under legal hold
}

// Decide returns what policy p does at now with records: purge those past
// retention, keep those within it and those of calls under legal hold. Each
// list keeps the order of records. Decide does no I/O: the same arguments
// give the same decision.
func Decide(records []store.Record, p Policy, now time.Time) Decision {
	var d Decision
	for _, r := range records {
		v := decideOne(r, p, now)
		if v.Purge {
			d.Purge = append(d.Purge, v)
		} else {
			d.Keep = append(d.Keep, v)
		}
	}
	return d
}

func decideOne(r store.Record, p Policy, now time.Time) Verdict {
	expires := p.ExpiresAt(r)
	if !p.Expired(r, now) {
		reason := "within retention, expires in " + span(expires.Sub(now))
		if r.Held {
			reason += "; legal hold"
		}
		return Verdict{Record: r, Reason: reason}
	}

	ago := span(now.Sub(expires))
	if r.Held {
		return Verdict{Record: r, Reason: "legal hold, expired " + ago + " ago"}
	}
	return Verdict{Record: r, Purge: true, Reason: "expired " + ago + " ago"}
}

// span writes d in its largest whole unit: 3d, 5h, 12m, 40s.
func span(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
