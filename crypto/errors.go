package crypto

import (
	"errors"
	"fmt"
)

// ErrBadKey is returned, inside a *KeyError, by ParseRootKey and
// LoadRootKey when a root key is missing its file, is empty, is not
// base64, has the wrong length or is weak, and by Open when it is given
// a zero RootKey.
var ErrBadKey = errors.New("bad encryption key")

// ErrWrongKey is returned, inside a *KeyError, by Open, Reload,
// RotateRoot and UnwrapBackupKey when a well-formed root key is not the
// one the keysets or the backup were sealed with.
var ErrWrongKey = errors.New("wrong encryption key")

// ErrKeysetDamaged is returned by Open, Reload and RotateRoot when the
// key check passes but a stored keyset is missing or fails to decrypt.
var ErrKeysetDamaged = errors.New("keyset damaged")

// ErrIntegrity is returned, inside an *IntegrityError, by every function
// that decrypts: Open, NewStreamReader and its reads, Rewrap,
// StreamKey.NewReader and UnwrapBackupKey; WrappingKeyID wraps it in a
// plain error, as it has no record to name.
var ErrIntegrity = errors.New("integrity check failed")

// ErrNoKeysets is returned by KeysetStore.LoadKeysets when no keysets
// have been created yet, and by RotateRoot in that case.
var ErrNoKeysets = errors.New("no keysets")

// ErrKeysetsExist is returned by KeysetStore.CreateKeysets when keysets
// are stored already.
var ErrKeysetsExist = errors.New("keysets exist already")

// ErrKeysetsChanged is returned by KeysetStore.ReplaceKeysets, and so by
// Rotate and RotateRoot, when the stored keysets are not the ones the
// caller last loaded: another process rotated them in between.
var ErrKeysetsChanged = errors.New("keysets changed concurrently")

// ErrBadNumber is returned by NormalizeNumber and BlindIndex when a
// caller number has characters other than digits and separators, or
// too few or too many digits.
var ErrBadNumber = errors.New("bad phone number")

// KeyError reports a root key that cannot be used. Its message names the
// variable, what is wrong and what to do, and never contains the key.
// It wraps ErrBadKey or ErrWrongKey.
type KeyError struct {
	Variable string // ENCRYPTION_KEY, ENCRYPTION_KEY_FILE, ...
	Problem  string // what is wrong, e.g. "decodes to 16 bytes, want 32"
	Hint     string // what to do about it
	Err      error  // ErrBadKey or ErrWrongKey, possibly joined with a cause
}

// Error returns "VARIABLE: problem; hint".
func (e *KeyError) Error() string {
	if e.Hint == "" {
		return e.Variable + ": " + e.Problem
	}
	return e.Variable + ": " + e.Problem + "; " + e.Hint
}

// Unwrap returns Err, so that errors.Is finds ErrBadKey or ErrWrongKey.
func (e *KeyError) Unwrap() error { return e.Err }

// IntegrityError reports a ciphertext or wrapped key that failed
// authentication. It names the record and nothing else: not the key,
// not the plaintext, not the step that failed, so that the error gives
// an attacker no oracle. It wraps ErrIntegrity.
type IntegrityError struct {
	Kind string // what the record is, e.g. "recording"
	ID   string // the record's id
}

// Error returns "KIND ID: integrity check failed: ...".
func (e *IntegrityError) Error() string {
	kind := e.Kind
	if kind == "" {
		kind = "record"
	}
	return fmt.Sprintf("%s %s: %v: data was modified, truncated "+
		"or does not belong to this record", kind, e.ID, ErrIntegrity)
}

// Unwrap returns ErrIntegrity.
func (e *IntegrityError) Unwrap() error { return ErrIntegrity }

// integrityError is the one error every failed decryption of ref becomes.
func integrityError(ref Ref) error {
	return &IntegrityError{Kind: ref.Kind, ID: ref.ID}
}
