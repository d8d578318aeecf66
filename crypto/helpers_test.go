package crypto_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

// Stream layout, computed from the parameters of Tink's AES-256-GCM-HKDF
// rather than read from the package: a header of one length byte, a
// salt as long as the 32-byte key and a 7-byte nonce prefix, then
// segments that each end in a 16-byte tag.
const (
	headerSize   = 1 + 32 + 7
	tagSize      = 16
	segmentPlain = crypto.SegmentSize - tagSize // plaintext per segment
	firstPlain   = segmentPlain - headerSize    // the first holds less
)

// streamSize returns the ciphertext size of n bytes of plaintext.
func streamSize(n int) int {
	segments := 1
	if n > firstPlain {
		segments += (n - firstPlain + segmentPlain - 1) / segmentPlain
	}
	return headerSize + n + segments*tagSize
}

// rootKeyText returns a well-formed, distinct root key for each seed.
func rootKeyText(seed byte) string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func testRoot(t testing.TB, seed byte) crypto.RootKey {
	t.Helper()

	root, err := crypto.ParseRootKey("ENCRYPTION_KEY", rootKeyText(seed))
	if err != nil {
		t.Fatalf("ParseRootKey: got error %v, want nil", err)
	}
	return root
}

func openKeyring(t testing.TB, root crypto.RootKey, store crypto.KeysetStore) *crypto.Keyring {
	t.Helper()

	k, err := crypto.Open(context.Background(), root, store)
	if err != nil {
		t.Fatalf("Open: got error %v, want nil", err)
	}
	return k
}

// newKeyring returns a Keyring over a new MemoryKeysetStore.
func newKeyring(t testing.TB) (*crypto.Keyring, *crypto.MemoryKeysetStore) {
	t.Helper()

	store := &crypto.MemoryKeysetStore{}
	return openKeyring(t, testRoot(t, 1), store), store
}

// pattern returns n bytes that differ from segment to segment.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i>>20)
	}
	return b
}

func encryptStream(
	t testing.TB,
	k *crypto.Keyring,
	ref crypto.Ref,
	plaintext []byte,
) (ciphertext, wrapped []byte) {
	t.Helper()

	var buf bytes.Buffer
	w, wrapped, err := k.NewStreamWriter(&buf, ref)
	if err != nil {
		t.Fatalf("NewStreamWriter: got error %v, want nil", err)
	}

	if _, err := w.Write(plaintext); err != nil {
		t.Fatalf("Write: got error %v, want nil", err)
	}

	if err := w.Close(); err != nil {
		t.Fatalf("Close: got error %v, want nil", err)
	}
	return buf.Bytes(), wrapped
}

// decryptStream reads the whole stream and returns what it read and the
// first error other than io.EOF.
func decryptStream(k *crypto.Keyring, ref crypto.Ref, ciphertext, wrapped []byte) ([]byte, error) {
	r, err := k.NewStreamReader(bytes.NewReader(ciphertext), ref, wrapped)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// wantIntegrity fails t unless err is the *IntegrityError of ref.
func wantIntegrity(t testing.TB, err error, ref crypto.Ref) {
	t.Helper()

	var ie *crypto.IntegrityError
	if !errors.As(err, &ie) {
		t.Fatalf("got error %v, want an *IntegrityError", err)
	}
	if !errors.Is(err, crypto.ErrIntegrity) {
		t.Fatalf("errors.Is(%v, ErrIntegrity): got false, want true", err)
	}
	if got := (crypto.Ref{Kind: ie.Kind, ID: ie.ID}); got != ref {
		t.Fatalf("error names %v, want %v", got, ref)
	}
}

// flip returns a copy of b with one bit of byte i inverted.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}
