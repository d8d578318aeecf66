package retention

import "time"

// Report is what a purge pass did, or in a dry run would do.
type Report struct {
	DryRun bool
	Cutoff time.Time // records created before it were candidates

	Records int64 // records purged (dry run: that would be purged)
	Bytes   int64 // their plaintext size
	Calls   int64 // calls left without records and removed (0 in a dry run)
	Held    int64 // expired records kept because their call is under hold

	// Skipped counts records decided for purging that a concurrent pass
	// removed first, or whose call was put under hold in between.
	Skipped int64

	Batches  int // pages of candidates examined
	Duration time.Duration
}

// add counts the batch b into r.
func (r *Report) add(b Report) {
	r.Records += b.Records
	r.Bytes += b.Bytes
	r.Calls += b.Calls
	r.Held += b.Held
	r.Skipped += b.Skipped
	r.Batches++
}
