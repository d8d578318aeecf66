// Package retention decides which records of a store have outlived the
// retention period, and purges them.
//
// # Deciding
//
// Decide is a pure function: given records, a Policy and the time now, it
// returns what to purge and what to keep, each with the reason. A record
// expires Policy.Retention after its created_at; an expired record of a
// call under legal hold is kept. The same decision serves a real pass and a
// dry run, so a dry run lists exactly what a pass at the same moment would
// remove.
//
// # Purging
//
// A Purger runs passes over a store.Store: it pages through the records
// created before the cutoff, decides, and deletes a batch at a time in
// short transactions, so that puts and reads going on at the same time
// keep their latency. Each pass leaves one "purge" audit event with its
// counts and outcome (ok, dry-run, partial or failed).
//
// # Concurrency
//
// Several passes may run at once, in one process or in several daemons on
// one database: the store skips the rows another pass is deleting, so each
// expired record is removed once and no pass fails or waits for another.
// A hold that commits before a batch keeps its records; a hold that comes
// during a batch waits for it.
//
// # Cancellation
//
// A pass stops between batches when its context is cancelled: the batch
// being deleted is finished (or, past a time limit, rolled back whole),
// and the pass returns a *PartialError saying what it did before it
// stopped. Running it again finishes the work.
package retention
