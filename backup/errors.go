package backup

import (
	"errors"
	"fmt"

	"github.com/avrdata/avrdata/internal/hint"
)

// ErrNotExist is returned, wrapped, by Destination.Get for an object that
// does not exist, and by Restore when an object the manifest lists is
// missing (inside an *ObjectError).
var ErrNotExist = errors.New("object does not exist")

// ErrBadName is returned by CheckName, and so by every Destination method,
// for a name that is not a clean relative path.
var ErrBadName = errors.New("bad object name")

// ErrNoBackup is returned by Restore, Drill and Find when the destination
// holds no complete backup, or none with the id asked for.
var ErrNoBackup = errors.New("no complete backup")

// ErrChecksum is returned, inside an *ObjectError, by Restore when a
// stored object's size or SHA-256 differs from the manifest's.
var ErrChecksum = errors.New("checksum mismatch")

// ErrManifest is returned, inside an *ObjectError naming manifest.json, by
// Restore, Drill and ReadManifest when a manifest was modified, cut short
// or belongs to another backup.
var ErrManifest = errors.New("manifest damaged")

// ErrFormat is returned by Restore when a backup was written in a format
// or schema version newer than this avrdata reads: upgrade avrdata.
var ErrFormat = errors.New("backup format not supported")

// ErrRowCount is returned by Restore when a table loads with another
// number of rows than its manifest states.
var ErrRowCount = errors.New("row count differs from the manifest")

// ErrTargetNotEmpty is returned by Restore when the target database holds
// tables or rows already and Force is not set.
var ErrTargetNotEmpty = errors.New("target database is not empty")

// ErrNoCreateDB is returned by Drill when the role of the live database
// may not create the scratch database.
var ErrNoCreateDB = errors.New("cannot create the drill database")

// ErrVerify is returned by Restore and Drill with Verify set when a
// restored record or call fails to decrypt; the report names them.
var ErrVerify = errors.New("restored data failed verification")

// ErrVanished is returned by Backup when objects it wrote were deleted
// before its manifest was (a prune that took the run for a crashed one).
var ErrVanished = errors.New("backup objects vanished while the backup ran")

// ObjectError reports a backup object that could not be used: missing,
// modified, cut short or unreadable. Its message names the backup and the
// object, never content or keys.
type ObjectError struct {
	Backup string // the backup id
	Name   string // the object's name within the backup, e.g. "records.0000"
	Err    error  // ErrNotExist, ErrChecksum, ErrManifest, crypto.ErrIntegrity or a read error
}

// Error returns "backup ID object NAME: cause".
func (e *ObjectError) Error() string {
	return fmt.Sprintf("backup %s object %s: %v", e.Backup, e.Name, e.Err)
}

// Unwrap returns the cause.
func (e *ObjectError) Unwrap() error { return e.Err }

// TableError reports a table that did not restore as its manifest says.
type TableError struct {
	Backup string
	Table  string
	Err    error // ErrRowCount, or the database's error
}

// Error returns "backup ID table NAME: cause".
func (e *TableError) Error() string {
	return fmt.Sprintf("backup %s table %s: %v", e.Backup, e.Table, e.Err)
}

// Unwrap returns the cause.
func (e *TableError) Unwrap() error { return e.Err }

// withHint attaches advice for the operator to err.
var withHint = hint.With
