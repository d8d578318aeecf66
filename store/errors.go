package store

import (
	"errors"

	"github.com/avrdata/avrdata/internal/hint"
)

// ErrNotFound is returned by Open, Get and the hold commands when the record
// or call does not exist (or was erased or purged).
var ErrNotFound = errors.New("not found")

// ErrNotMigrated is returned by Open and New when the database's schema is
// older than this version of avrdata; run "avrdata migrate".
var ErrNotMigrated = errors.New("database schema is not migrated")

// ErrSchemaTooNew is returned by Open and New when the database was migrated
// by a newer version of avrdata than this one.
var ErrSchemaTooNew = errors.New("database schema is newer than this avrdata")

// ErrBadCallID is returned by every method that takes a call id when the id
// is not 1 to 128 characters of [A-Za-z0-9._:-].
var ErrBadCallID = errors.New("bad call id")

// ErrBadRecordID is returned by methods that take a record id when it is not
// a UUID.
var ErrBadRecordID = errors.New("bad record id")

// ErrHeld is returned by EraseCall and EraseCaller when a call is under
// legal hold: release it first.
var ErrHeld = errors.New("call is under legal hold")

// ErrTooLarge is returned by PutTranscript when a transcript exceeds
// MaxTranscriptSize.
var ErrTooLarge = errors.New("too large")

// ErrConnect is returned by Open when the database does not answer. Its
// message never contains the connection string's password.
var ErrConnect = errors.New("cannot connect to the database")

// withHint attaches advice for the operator to err.
var withHint = hint.With
