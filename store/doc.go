// Package store is the encrypted call-data store of avrdata: calls,
// recordings, transcripts, legal holds, erasure and audit events, in
// PostgreSQL through pgx.
//
// Everything written is encrypted by package crypto before it leaves the
// process; PostgreSQL only sees ciphertext, ids, sizes and times. A
// recording is streamed through Tink's streaming AEAD into rows of
// ChunkSize, so memory stays flat whatever its size; a transcript is sealed
// whole. Each record has a fresh data key, wrapped by the record keyset with
// the record's kind and id as associated data, so a chunk or key moved to
// another record fails to decrypt.
//
// # Opening
//
// Open (or New, with a pool of the caller's) checks that the schema is
// migrated (Migrate runs the migrations) and opens the keys with the root
// key: a wrong key is refused with an error wrapping crypto.ErrWrongKey
// before anything is written.
//
// # Visibility and crashes
//
// A put is one transaction: a record is visible only once all of it is
// stored, and a failed, cancelled or killed put leaves nothing behind.
//
// # Retention
//
// A record expires RetentionDays after its created_at. The period in force
// is not stored per record, so changing it moves every record's expiry at
// once. Records of a call under legal hold are never purged or erased.
// Purges (package retention) and erasures share one deletion path that
// skips rows another deletion holds, so concurrent passes never delete a
// record twice and never deadlock.
//
// # Audit
//
// Puts, reads, holds, releases, erasures, verifications and key rotations
// each append an audit event (ids, counts, actor, outcome; never content or
// phone numbers) to an append-only table.
//
// # Concurrency
//
// A Store is safe for concurrent use by many goroutines, and many processes
// may share one database. A key rotation made by one process is picked up
// by the others the first time they meet the new key.
package store
