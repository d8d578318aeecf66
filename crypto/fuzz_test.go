package crypto_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

// The fuzz targets feed stored bytes, altered at will, to every function
// that parses them. None may panic, and none may return plaintext with a
// nil error for bytes that differ from what was written: every stored
// byte is authenticated. They start from the stored fixture, so that
// every fuzzing process works on the same keys.

func FuzzOpen(f *testing.F) {
	fx, k := loadFixture(f)
	ciphertext, wrapped := fx.Transcript, fx.TranscriptKey

	f.Add(ciphertext, wrapped)
	f.Add(ciphertext[:len(ciphertext)-1], wrapped)
	f.Add(ciphertext, wrapped[:5])
	f.Add([]byte{}, []byte{})

	f.Fuzz(func(t *testing.T, c, w []byte) {
		got, err := k.Open(transcript, c, w)
		original := bytes.Equal(c, ciphertext) && bytes.Equal(w, wrapped)
		switch {
		case err == nil && !original:
			t.Fatalf("Open of altered input: got plaintext %q, want an error", got)
		case err != nil && got != nil:
			t.Fatalf("Open: got plaintext with error %v, want nil", err)
		case err != nil && !errors.Is(err, crypto.ErrIntegrity):
			t.Fatalf("Open: got error %v, want ErrIntegrity", err)
		}

		k.WrappingKeyID(w)
		if _, _, err := k.Rewrap(transcript, w); err == nil && !bytes.Equal(w, wrapped) {
			t.Fatalf("Rewrap of an altered wrapped key: got nil error, want one")
		}
	})
}

func FuzzStreamReader(f *testing.F) {
	fx, k := loadFixture(f)
	ciphertext, wrapped := fx.Recording, fx.RecordingKey

	f.Add(ciphertext, wrapped)
	f.Add(ciphertext[:headerSize], wrapped)
	f.Add(ciphertext[:len(ciphertext)-tagSize], wrapped)
	f.Add(append(bytes.Clone(ciphertext), 0), wrapped)
	f.Add([]byte{}, []byte{})

	f.Fuzz(func(t *testing.T, c, w []byte) {
		r, err := k.NewStreamReader(bytes.NewReader(c), recording, w)
		if err != nil {
			return
		}

		_, err = io.ReadAll(r)
		original := bytes.Equal(c, ciphertext) && bytes.Equal(w, wrapped)
		if err == nil && !original {
			t.Fatalf("stream of altered input: read to the end, want an error")
		}
	})
}

func FuzzBackupObjectReader(f *testing.F) {
	fx, k := loadFixture(f)
	key, err := k.UnwrapBackupKey(fx.BackupKey, backupID)
	if err != nil {
		f.Fatalf("UnwrapBackupKey: got error %v, want nil", err)
	}
	ciphertext := fx.BackupObject

	f.Add(ciphertext)
	f.Add(ciphertext[:headerSize+1])

	f.Fuzz(func(t *testing.T, c []byte) {
		_, err := decryptObject(key, object, c)
		if err == nil && !bytes.Equal(c, ciphertext) {
			t.Fatalf("object of altered input: read to the end, want an error")
		}
	})
}

func FuzzKeysets(f *testing.F) {
	fx, _ := loadFixture(f)
	root, err := crypto.ParseRootKey("ENCRYPTION_KEY", fx.Root)
	if err != nil {
		f.Fatalf("ParseRootKey: got error %v, want nil", err)
	}

	f.Add(fx.Check, fx.Keyset)
	f.Add(fx.Check, fx.Keyset[:len(fx.Keyset)-1])
	f.Add(fx.Check, []byte{})

	f.Fuzz(func(t *testing.T, check, keyset []byte) {
		store := fixtureStore(t, check, keyset)

		_, err := crypto.Open(context.Background(), root, store)
		original := bytes.Equal(check, fx.Check) && bytes.Equal(keyset, fx.Keyset)
		if err == nil && !original {
			t.Fatalf("Open over altered keysets: got nil error, want one")
		}
		if err != nil && !errors.Is(err, crypto.ErrWrongKey) && !errors.Is(err, crypto.ErrKeysetDamaged) {
			t.Fatalf("Open: got error %v, want ErrWrongKey or ErrKeysetDamaged", err)
		}
	})
}

func FuzzUnwrapBackupKey(f *testing.F) {
	fx, k := loadFixture(f)
	wrapped := fx.BackupKey

	f.Add(wrapped)
	f.Add(wrapped[:33])
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, w []byte) {
		_, err := k.UnwrapBackupKey(w, backupID)
		if err == nil && !bytes.Equal(w, wrapped) {
			t.Fatalf("UnwrapBackupKey of altered input: got nil error, want one")
		}
	})
}

// keyProblem matches every problem ParseRootKey may report: fixed
// phrases and numbers, never text taken from the value.
var keyProblem = regexp.MustCompile(`^ENCRYPTION_KEY: ` +
	`(is empty|is not valid base64|decodes to \d+ bytes, want 32|` +
	`is weak: all its bytes are equal); run "avrdata keygen" to make one$`)

func FuzzParseRootKey(f *testing.F) {
	f.Add(rootKeyText(1))
	f.Add(rootKeyText(1) + "\n")
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Add("not a key")

	f.Fuzz(func(t *testing.T, value string) {
		root, err := crypto.ParseRootKey("ENCRYPTION_KEY", value)
		if err != nil {
			if !keyProblem.MatchString(err.Error()) {
				t.Fatalf("got error %q, want one of the fixed problems", err)
			}
			return
		}

		if got := root.String(); got != "RootKey(REDACTED)" {
			t.Fatalf("String: got %q, want RootKey(REDACTED)", got)
		}
	})
}

var (
	normalNumber  = regexp.MustCompile(`^\+?[0-9]{3,20}$`)
	numberProblem = regexp.MustCompile(`^normalize number: (has a character other than ` +
		`digits and separators|has \d+ digits, want 3 to 20): bad phone number$`)
)

func FuzzNormalizeNumber(f *testing.F) {
	f.Add("+39 06-1234.5678")
	f.Add("0039 06 1234 5678")
	f.Add("(+39) 0612345678")
	f.Add("anonymous")
	f.Add("")

	f.Fuzz(func(t *testing.T, s string) {
		got, err := crypto.NormalizeNumber(s)
		if err != nil {
			if !numberProblem.MatchString(err.Error()) {
				t.Fatalf("got error %q, want one of the fixed problems", err)
			}
			return
		}

		if !normalNumber.MatchString(got) {
			t.Fatalf("NormalizeNumber(%q): got %q, want + and 3 to 20 digits", s, got)
		}
		if again, err := crypto.NormalizeNumber(got); err != nil || again != got {
			t.Fatalf("NormalizeNumber(%q): got (%q, %v), want (%q, nil)", got, again, err, got)
		}
	})
}
