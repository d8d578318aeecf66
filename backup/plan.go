package backup

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Run is one backup run as Plan sees it: complete (it has a manifest) or
// not (running, crashed or killed).
type Run struct {
	ID        string
	Time      time.Time // when it started, from its id
	Complete  bool
	LastWrite time.Time       // when its newest object or upload part was stored
	Objects   int             // stored objects
	Bytes     int64           // their size, and that of the uploads' parts
	Uploads   []PendingUpload // unfinished uploads under its id
}

// Decision is what Plan decided for one run, and why.
type Decision struct {
	Run
	Remove bool
	Reason string
	Abort  []PendingUpload // the run's unfinished uploads to abort
}

// Plan decides which runs to keep, given every run at a destination:
//
//   - the newest complete backup is always kept;
//   - other complete backups older than retention are removed;
//   - a run without a manifest is removed when it has written nothing
//     for grace, or nothing since the newest complete backup started;
//     otherwise it may still be running and is kept;
//   - the unfinished uploads of a removed run are aborted, and so are
//     those of a kept complete backup that wrote nothing for grace: the
//     backup is whole without them, as its manifest lists its objects.
//
// It returns one decision per run, newest first. It is a pure function.
func Plan(runs []Run, now time.Time, retention, grace time.Duration) []Decision {
	runs = slices.Clone(runs)
	slices.SortFunc(runs, func(a, b Run) int { return strings.Compare(b.ID, a.ID) })

	var newest *Run
	out := make([]Decision, 0, len(runs))
	for i, r := range runs {
		d := Decision{Run: r}
		switch {
		case r.Complete && newest == nil:
			newest = &runs[i]
			d.Reason = "newest complete backup"
		case r.Complete && r.Time.Before(now.Add(-retention)):
			d.Remove, d.Reason = true, fmt.Sprintf("older than %s", days(retention))
		case r.Complete:
			d.Reason = fmt.Sprintf("within %s", days(retention))
		default:
			d.Remove, d.Reason = debrisDecision(r, newest, now, grace)
		}
		d.Abort = abortDecision(d, now, grace)
		out = append(out, d)
	}
	return out
}

// debrisDecision decides for a run without a manifest. newest is the
// newest complete backup started after it, or nil.
func debrisDecision(r Run, newest *Run, now time.Time, grace time.Duration) (bool, string) {
	switch {
	case r.LastWrite.Before(now.Add(-grace)):
		return true, fmt.Sprintf("incomplete, nothing written for %s", grace)
	case newest != nil && r.LastWrite.Before(newest.Time):
		return true, "incomplete, and backup " + newest.ID + " completed since"
	}
	return false, "incomplete, may still be running"
}

// abortDecision returns the uploads of d's run to abort: all of them
// when it goes, none while it may still be running, and those that wrote
// nothing for grace under a complete backup that stays.
func abortDecision(d Decision, now time.Time, grace time.Duration) []PendingUpload {
	switch {
	case d.Remove:
		return d.Uploads
	case !d.Complete:
		return nil
	}
	var out []PendingUpload
	for _, u := range d.Uploads {
		if u.LastWrite.Before(now.Add(-grace)) {
			out = append(out, u)
		}
	}
	return out
}

func days(d time.Duration) string {
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}
