package crypto

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
)

// backupKeyFormat is the first byte of a wrapped backup key.
const backupKeyFormat byte = 1

// StreamKey is the key of one backup: it encrypts every object of the
// backup as a stream, each bound to its own Ref. It prints, formats and
// logs as "StreamKey(REDACTED)". The zero value is not a key.
type StreamKey struct {
	key *[dataKeySize]byte // a pointer, as in RootKey
}

// NewStreamKey returns a fresh random StreamKey. Its error is reserved
// for a failing random source.
func NewStreamKey() (StreamKey, error) {
	var key [dataKeySize]byte
	if _, err := rand.Read(key[:]); err != nil {
		return StreamKey{}, fmt.Errorf("generate stream key: %w", err)
	}
	return StreamKey{key: &key}, nil
}

// NewWriter returns a writer that encrypts an object for ref into dst,
// with the stream format and guarantees of Keyring.NewStreamWriter.
// Close does not close dst. It returns an error for a zero StreamKey.
func (s StreamKey) NewWriter(dst io.Writer, ref Ref) (io.WriteCloser, error) {
	if s.key == nil {
		return nil, fmt.Errorf("write %s: stream key is not set", ref)
	}
	return newStreamWriter(dst, s.key[:], ref)
}

// NewReader returns a reader of the object that NewWriter encrypted for
// ref, with the guarantees of Keyring.NewStreamReader: a sticky
// *IntegrityError naming ref for anything modified, truncated or
// misplaced, and io.EOF only at the authenticated end.
func (s StreamKey) NewReader(src io.Reader, ref Ref) (io.Reader, error) {
	if s.key == nil {
		return nil, integrityError(ref)
	}
	return newStreamReader(src, s.key[:], ref)
}

// WrapBackupKey encrypts key for the backup backupID under a key derived
// from the root key alone, so that a backup can be restored from its
// objects and ENCRYPTION_KEY without the database. The result starts
// with the root key's key check value, which lets UnwrapBackupKey tell
// a wrong root key from a damaged manifest. Its error is reserved for a
// zero StreamKey or a broken cipher.
func (k *Keyring) WrapBackupKey(key StreamKey, backupID string) ([]byte, error) {
	if key.key == nil {
		return nil, fmt.Errorf("wrap key of backup %s: stream key is not set", backupID)
	}

	ad := associatedData(backupRef(backupID), useWrap)
	sealed, err := k.keys.backupKEK.Encrypt(key.key[:], ad)
	if err != nil {
		return nil, fmt.Errorf("wrap key of backup %s: %w", backupID, err)
	}

	wrapped := append([]byte{backupKeyFormat}, k.keys.check...)
	return append(wrapped, sealed...), nil
}

// UnwrapBackupKey returns the StreamKey that WrapBackupKey wrapped for
// backupID. It returns a *KeyError wrapping ErrWrongKey when the backup
// was made under another root key (such as the one before a
// RotateRoot), and an *IntegrityError naming the backup when wrapped
// was modified or belongs to another backup.
func (k *Keyring) UnwrapBackupKey(wrapped []byte, backupID string) (StreamKey, error) {
	ref := backupRef(backupID)
	checkEnd := 1 + len(k.keys.check)
	if len(wrapped) < checkEnd || wrapped[0] != backupKeyFormat {
		return StreamKey{}, integrityError(ref)
	}

	if !k.keys.checks(wrapped[1:checkEnd]) {
		return StreamKey{}, &KeyError{
			Variable: k.keys.variable,
			Problem:  "is not the key backup " + backupID + " was made with",
			Hint:     "restore it with the key in use when it was made",
			Err:      ErrWrongKey,
		}
	}

	key, err := k.keys.backupKEK.Decrypt(wrapped[checkEnd:], associatedData(ref, useWrap))
	if err != nil || len(key) != dataKeySize {
		return StreamKey{}, integrityError(ref)
	}
	return StreamKey{key: (*[dataKeySize]byte)(key)}, nil
}

func backupRef(backupID string) Ref {
	return Ref{Kind: "backup", ID: backupID}
}

// String returns "StreamKey(REDACTED)".
func (StreamKey) String() string { return "StreamKey(" + redacted + ")" }

// GoString returns "StreamKey(REDACTED)", for %#v.
func (s StreamKey) GoString() string { return s.String() }

// Format prints "StreamKey(REDACTED)" for every verb.
func (s StreamKey) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue returns "REDACTED", so that slog never records the key.
func (StreamKey) LogValue() slog.Value { return slog.StringValue(redacted) }
