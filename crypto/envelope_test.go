package crypto_test

import (
	"bytes"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

var transcript = crypto.Ref{Kind: "transcript", ID: "5d0c2a4e-call"}

func TestSealOpenRoundTrip(t *testing.T) {
	k, _ := newKeyring(t)

	tests := []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"a line", 100},
		{"a long transcript", 64 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plaintext := pattern(tt.size)
			ciphertext, wrapped, err := k.Seal(transcript, plaintext)
			if err != nil {
				t.Fatalf("Seal: got error %v, want nil", err)
			}
			// Shorter plaintexts turn up in random bytes by chance.
			if tt.size >= 16 && bytes.Contains(ciphertext, plaintext) {
				t.Fatalf("ciphertext contains the plaintext")
			}

			got, err := k.Open(transcript, ciphertext, wrapped)
			if err != nil {
				t.Fatalf("Open: got error %v, want nil", err)
			}
			if !bytes.Equal(got, plaintext) {
				t.Fatalf("plaintext: got %q, want %q", got, plaintext)
			}
		})
	}
}

func TestSealUsesFreshKeys(t *testing.T) {
	k, _ := newKeyring(t)
	plaintext := []byte("same words")

	c1, w1, err1 := k.Seal(transcript, plaintext)
	c2, w2, err2 := k.Seal(transcript, plaintext)
	if err1 != nil || err2 != nil {
		t.Fatalf("Seal: got errors %v, %v, want nil", err1, err2)
	}
	if bytes.Equal(c1, c2) || bytes.Equal(w1, w2) {
		t.Fatalf("two seals of one plaintext: got equal outputs, want different")
	}
}

func TestOpenEveryByteTampered(t *testing.T) {
	k, _ := newKeyring(t)
	ciphertext, wrapped, err := k.Seal(transcript, []byte("caller asked to cancel the order"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}

	for i := range ciphertext {
		got, err := k.Open(transcript, flip(ciphertext, i), wrapped)
		wantIntegrity(t, err, transcript)
		if got != nil {
			t.Fatalf("byte %d flipped: got plaintext %q, want nil", i, got)
		}
	}

	for i := range wrapped {
		_, err := k.Open(transcript, ciphertext, flip(wrapped, i))
		wantIntegrity(t, err, transcript)
	}
}

func TestOpenTruncated(t *testing.T) {
	k, _ := newKeyring(t)
	ciphertext, wrapped, err := k.Seal(transcript, []byte("short"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}

	for n := range len(ciphertext) {
		_, err := k.Open(transcript, ciphertext[:n], wrapped)
		wantIntegrity(t, err, transcript)
	}
	for n := range len(wrapped) {
		_, err := k.Open(transcript, ciphertext, wrapped[:n])
		wantIntegrity(t, err, transcript)
	}
}

func TestOpenTransplanted(t *testing.T) {
	k, _ := newKeyring(t)
	other := crypto.Ref{Kind: "transcript", ID: "other-call"}
	ciphertext, wrapped, err := k.Seal(transcript, []byte("first call"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}
	_, otherWrapped, err := k.Seal(other, []byte("second call"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}
	_, streamWrapped := encryptStream(t, k, transcript, []byte("stream"))

	tests := []struct {
		name    string
		ref     crypto.Ref
		wrapped []byte
	}{
		{"record read as another", other, wrapped},
		{"wrapped key swapped in from another record", transcript, otherWrapped},
		{"wrapped key of a stream", transcript, streamWrapped},
		{"same id, other kind", crypto.Ref{Kind: "caller", ID: transcript.ID}, wrapped},
		{"kind and id boundary moved", crypto.Ref{Kind: "transcript5", ID: "d0c2a4e-call"}, wrapped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := k.Open(tt.ref, ciphertext, tt.wrapped)
			wantIntegrity(t, err, tt.ref)
		})
	}
}

func TestIntegrityErrorMessage(t *testing.T) {
	k, _ := newKeyring(t)
	ref := crypto.Ref{Kind: "recording", ID: "1234"}

	_, err := k.Open(ref, []byte("not a ciphertext"), []byte("not a key"))
	want := "recording 1234: integrity check failed: data was modified, " +
		"truncated or does not belong to this record"
	if err == nil || err.Error() != want {
		t.Fatalf("got error %v, want %q", err, want)
	}
}

func TestOpenWithAnotherKeyring(t *testing.T) {
	k, _ := newKeyring(t)
	other, _ := newKeyring(t)
	ciphertext, wrapped, err := k.Seal(transcript, []byte("private"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}

	// Same root key, separate stores: the keysets, and so the wrapping
	// keys, differ.
	_, err = other.Open(transcript, ciphertext, wrapped)
	wantIntegrity(t, err, transcript)
}
