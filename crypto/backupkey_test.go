package crypto_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

const backupID = "20250101T000000Z-3f2a"

var object = crypto.Ref{Kind: "backup object", ID: backupID + "/recordings.0001"}

func newStreamKey(t *testing.T) crypto.StreamKey {
	t.Helper()

	key, err := crypto.NewStreamKey()
	if err != nil {
		t.Fatalf("NewStreamKey: got error %v, want nil", err)
	}
	return key
}

func encryptObject(t *testing.T, key crypto.StreamKey, ref crypto.Ref, plaintext []byte) []byte {
	t.Helper()

	var buf bytes.Buffer
	w, err := key.NewWriter(&buf, ref)
	if err != nil {
		t.Fatalf("NewWriter: got error %v, want nil", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		t.Fatalf("Write: got error %v, want nil", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: got error %v, want nil", err)
	}
	return buf.Bytes()
}

func decryptObject(key crypto.StreamKey, ref crypto.Ref, ciphertext []byte) ([]byte, error) {
	r, err := key.NewReader(bytes.NewReader(ciphertext), ref)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestBackupKeyRoundTrip(t *testing.T) {
	k, _ := newKeyring(t)
	key := newStreamKey(t)
	plaintext := pattern(firstPlain + 10)
	ciphertext := encryptObject(t, key, object, plaintext)

	wrapped, err := k.WrapBackupKey(key, backupID)
	if err != nil {
		t.Fatalf("WrapBackupKey: got error %v, want nil", err)
	}

	// Any keyring of the same root key unwraps it: a restore needs no
	// database.
	restorer, _ := newKeyring(t)
	unwrapped, err := restorer.UnwrapBackupKey(wrapped, backupID)
	if err != nil {
		t.Fatalf("UnwrapBackupKey: got error %v, want nil", err)
	}

	got, err := decryptObject(unwrapped, object, ciphertext)
	if err != nil || !bytes.Equal(got, plaintext) {
		t.Fatalf("decrypt with the unwrapped key: got (%d bytes, %v), want (%d bytes, nil)",
			len(got), err, len(plaintext))
	}
}

func TestUnwrapBackupKeyRefused(t *testing.T) {
	k, _ := newKeyring(t)
	otherRoot, _ := newKeyringWithRoot(t, 2)
	wrapped, err := k.WrapBackupKey(newStreamKey(t), backupID)
	if err != nil {
		t.Fatalf("WrapBackupKey: got error %v, want nil", err)
	}

	tests := []struct {
		name    string
		k       *crypto.Keyring
		wrapped []byte
		id      string
		want    error
	}{
		{"another root key", otherRoot, wrapped, backupID, crypto.ErrWrongKey},
		{"another backup", k, wrapped, "20250102T000000Z-9c1d", crypto.ErrIntegrity},
		{"format byte changed", k, flip(wrapped, 0), backupID, crypto.ErrIntegrity},
		{"truncated", k, wrapped[:len(wrapped)-1], backupID, crypto.ErrIntegrity},
		{"empty", k, nil, backupID, crypto.ErrIntegrity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.k.UnwrapBackupKey(tt.wrapped, tt.id)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestUnwrapBackupKeyEveryByteTampered(t *testing.T) {
	k, _ := newKeyring(t)
	wrapped, err := k.WrapBackupKey(newStreamKey(t), backupID)
	if err != nil {
		t.Fatalf("WrapBackupKey: got error %v, want nil", err)
	}

	for i := range wrapped {
		_, err := k.UnwrapBackupKey(flip(wrapped, i), backupID)
		if !errors.Is(err, crypto.ErrIntegrity) && !errors.Is(err, crypto.ErrWrongKey) {
			t.Fatalf("byte %d flipped: got error %v, want ErrIntegrity or ErrWrongKey", i, err)
		}
	}
}

func TestBackupObjectMoved(t *testing.T) {
	key := newStreamKey(t)
	other := crypto.Ref{Kind: "backup object", ID: backupID + "/recordings.0002"}
	ciphertext := encryptObject(t, key, object, pattern(500))

	tests := []struct {
		name       string
		key        crypto.StreamKey
		ref        crypto.Ref
		ciphertext []byte
	}{
		{"read as another object", key, other, ciphertext},
		{"another backup's key", newStreamKey(t), object, ciphertext},
		{"truncated", key, object, ciphertext[:len(ciphertext)-1]},
		{"zero key", crypto.StreamKey{}, object, ciphertext},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decryptObject(tt.key, tt.ref, tt.ciphertext)
			wantIntegrity(t, err, tt.ref)
		})
	}
}

func TestZeroStreamKeyRefused(t *testing.T) {
	k, _ := newKeyring(t)

	if _, err := (crypto.StreamKey{}).NewWriter(io.Discard, object); err == nil {
		t.Fatalf("NewWriter with a zero key: got nil error, want one")
	}
	if _, err := k.WrapBackupKey(crypto.StreamKey{}, backupID); err == nil {
		t.Fatalf("WrapBackupKey of a zero key: got nil error, want one")
	}
}

func TestStreamKeyRedacted(t *testing.T) {
	key := newStreamKey(t)

	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		if got, want := fmt.Sprintf(verb, key), "StreamKey(REDACTED)"; got != want {
			t.Fatalf("%s: got %q, want %q", verb, got, want)
		}
	}
}
