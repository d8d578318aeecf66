// Package backup writes encrypted backups of the store to a Destination
// (S3 or a folder), restores them, proves them with restore drills, and
// prunes them.
//
// # Format
//
// A backup is a consistent snapshot of the store's tables, read in one
// read-only repeatable-read transaction and streamed with PostgreSQL's
// binary COPY. Under the destination's root it is:
//
//	ID/TABLE.0000 ...     each table's COPY stream, encrypted; tables over
//	                      Options.PartLimit bytes go on in TABLE.0001, ...
//	ID/manifest.json      written last: no manifest, no backup
//	tombstones/TIME_CALL  one per erasure, shared by all backups
//
// An ID is the UTC start time and a random suffix,
// "20260301T020000.000Z-1a2b3c4d", so ids sort by age. The manifest holds
// the format and schema versions, the snapshot time, each table's columns
// and row count, each object's size and the SHA-256 of its stored bytes,
// byte totals, the retention period in force, and the wrapped backup key.
//
// # Key management
//
// Each backup has a fresh random key (crypto.StreamKey). Each object is
// encrypted with it as a stream (AES-256-GCM-HKDF, 1 MiB segments) bound
// to "backup object ID/NAME", so objects cannot be swapped, reordered,
// cut short or moved between backups undetected. The key is wrapped under
// a key derived from ENCRYPTION_KEY alone (crypto.Keyring.WrapBackupKey):
// restoring needs the objects and ENCRYPTION_KEY, not the database. A
// backup made before a root key rotation needs the previous key.
//
// The manifest holds its content in clear, so that backups can be listed
// without the key, and the same bytes sealed with the backup key; a
// restore accepts it only when the file is byte for byte what the writer
// makes of them and the two agree. The wrapped key is stored twice: a
// wrong ENCRYPTION_KEY fails the key check of both copies, damage at most
// one, so a restore tells the two apart before it writes anything.
//
// Tombstones hold call ids and erasure times in clear, as the audit
// trail does; never content or phone numbers. Everything else in the
// objects is encrypted, and the manifest holds only counts, sizes, times,
// names and the wrapped key.
//
// # Restoring
//
// Restore migrates an empty database to the backup's schema version,
// loads every table in one transaction while it checks and decrypts each
// object, and migrates it to the current version. It never resurrects
// what retention or erasure removed: records past retention at restore
// time are left out (their chunks are never loaded), and calls erased
// after the backup (tombstones newer than the backup's erasures) are
// erased again. Drill does the same into a scratch database and drops it.
//
// # Memory
//
// Backups and restores hold a few cipher segments and the destination's
// upload buffers, whatever the size of the data. A restore also keeps the
// 16-byte ids of the records it leaves out.
//
// # Concurrency
//
// Backups may run while the store is written to: the snapshot is
// consistent. Two backups or prunes at once are safe but wasteful; the
// daemon takes an advisory lock around each job (see Jobs). A prune
// removes runs without a manifest only once they stopped writing; a
// backup whose objects were pruned while it ran fails (ErrVanished)
// rather than write a manifest.
package backup
