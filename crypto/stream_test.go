package crypto_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/avrdata/avrdata/crypto"
)

var recording = crypto.Ref{Kind: "recording", ID: "1700000000.42"}

// largeSize is several segments and a half: a first segment, two full
// ones and half of a fourth.
const largeSize = firstPlain + 2*segmentPlain + segmentPlain/2

func TestStreamRoundTrip(t *testing.T) {
	k, _ := newKeyring(t)

	tests := []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"first segment minus one", firstPlain - 1},
		{"first segment", firstPlain},
		{"first segment plus one", firstPlain + 1},
		{"two segments minus one", firstPlain + segmentPlain - 1},
		{"two segments", firstPlain + segmentPlain},
		{"two segments plus one", firstPlain + segmentPlain + 1},
		{"several segments and a half", largeSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plaintext := pattern(tt.size)
			ciphertext, wrapped := encryptStream(t, k, recording, plaintext)
			if got, want := len(ciphertext), streamSize(tt.size); got != want {
				t.Fatalf("ciphertext size: got %d, want %d", got, want)
			}

			got, err := decryptStream(k, recording, ciphertext, wrapped)
			if err != nil {
				t.Fatalf("read: got error %v, want nil", err)
			}
			if !bytes.Equal(got, plaintext) {
				t.Fatalf("plaintext: got %d bytes, want the %d written", len(got), len(plaintext))
			}
		})
	}
}

func TestStreamSmallWritesAndReads(t *testing.T) {
	k, _ := newKeyring(t)
	plaintext := pattern(firstPlain + segmentPlain/3)

	var buf bytes.Buffer
	w, wrapped, err := k.NewStreamWriter(&buf, recording)
	if err != nil {
		t.Fatalf("NewStreamWriter: got error %v, want nil", err)
	}
	for chunk := range slices(plaintext, 4093) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatalf("Write: got error %v, want nil", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: got error %v, want nil", err)
	}

	r, err := k.NewStreamReader(bytes.NewReader(buf.Bytes()), recording, wrapped)
	if err != nil {
		t.Fatalf("NewStreamReader: got error %v, want nil", err)
	}
	if n, err := r.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil): got (%d, %v), want (0, nil)", n, err)
	}

	got, err := io.ReadAll(iotest.HalfReader(r))
	if err != nil {
		t.Fatalf("read: got error %v, want nil", err)
	}
	if !bytes.Equal(got, plaintext) {
		t.Fatalf("plaintext: got %d bytes, want the %d written", len(got), len(plaintext))
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read at end: got (%d, %v), want (0, EOF)", n, err)
	}
}

// slices yields b in chunks of n bytes.
func slices(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			c := b[:min(n, len(b))]
			if !yield(c) {
				return
			}
			b = b[len(c):]
		}
	}
}

func TestStreamEveryByteTampered(t *testing.T) {
	k, _ := newKeyring(t)
	ciphertext, wrapped := encryptStream(t, k, recording, pattern(100))

	for i := range ciphertext {
		got, err := decryptStream(k, recording, flip(ciphertext, i), wrapped)
		if err == nil {
			t.Fatalf("byte %d flipped: got nil error, want an integrity error", i)
		}
		wantIntegrity(t, err, recording)
		if len(got) != 0 {
			t.Fatalf("byte %d flipped: got %d bytes of plaintext, want none", i, len(got))
		}
	}

	for i := range wrapped {
		_, err := decryptStream(k, recording, ciphertext, flip(wrapped, i))
		wantIntegrity(t, err, recording)
	}
}

func TestStreamSampledBytesTampered(t *testing.T) {
	k, _ := newKeyring(t)
	plaintext := pattern(largeSize)
	ciphertext, wrapped := encryptStream(t, k, recording, plaintext)
	last := len(ciphertext)

	tests := []struct {
		name string
		pos  int
	}{
		{"header length", 0},
		{"salt", 1},
		{"nonce prefix", headerSize - 1},
		{"first segment start", headerSize},
		{"first segment middle", crypto.SegmentSize / 2},
		{"first segment tag", crypto.SegmentSize - 1},
		{"second segment start", crypto.SegmentSize},
		{"third segment middle", 2*crypto.SegmentSize + crypto.SegmentSize/2},
		{"third segment tag", 3*crypto.SegmentSize - tagSize},
		{"last segment body", 3*crypto.SegmentSize + 10},
		{"last segment tag", last - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decryptStream(k, recording, flip(ciphertext, tt.pos), wrapped)
			wantIntegrity(t, err, recording)
			if !bytes.HasPrefix(plaintext, got) {
				t.Fatalf("got %d bytes that are not a prefix of the plaintext", len(got))
			}
		})
	}
}

func TestStreamTruncated(t *testing.T) {
	k, _ := newKeyring(t)
	plaintext := pattern(largeSize)
	ciphertext, wrapped := encryptStream(t, k, recording, plaintext)
	last := len(ciphertext)

	tests := []struct {
		name string
		size int
	}{
		{"zero bytes", 0},
		{"one byte", 1},
		{"inside header", headerSize - 1},
		{"header only", headerSize},
		{"header and one byte", headerSize + 1},
		{"first boundary minus one", crypto.SegmentSize - 1},
		{"first boundary", crypto.SegmentSize},
		{"first boundary plus one", crypto.SegmentSize + 1},
		{"between boundaries", crypto.SegmentSize + crypto.SegmentSize/2},
		{"second boundary", 2 * crypto.SegmentSize},
		{"third boundary", 3 * crypto.SegmentSize},
		{"third boundary plus tag", 3*crypto.SegmentSize + tagSize},
		{"last tag cut", last - tagSize},
		{"last byte cut", last - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decryptStream(k, recording, ciphertext[:tt.size], wrapped)
			wantIntegrity(t, err, recording)
			if !bytes.HasPrefix(plaintext, got) || len(got) == len(plaintext) {
				t.Fatalf("got %d bytes, want a strict prefix of %d", len(got), len(plaintext))
			}
		})
	}
}

func TestStreamTruncatedAtExactEnd(t *testing.T) {
	k, _ := newKeyring(t)

	// The plaintext fills two segments exactly, so the cut falls where a
	// shorter stream could legitimately end.
	ciphertext, wrapped := encryptStream(t, k, recording, pattern(firstPlain+segmentPlain))
	if got, want := len(ciphertext), 2*crypto.SegmentSize; got != want {
		t.Fatalf("ciphertext size: got %d, want %d", got, want)
	}

	_, err := decryptStream(k, recording, ciphertext[:crypto.SegmentSize], wrapped)
	wantIntegrity(t, err, recording)
}

func TestStreamExtended(t *testing.T) {
	k, _ := newKeyring(t)
	ciphertext, wrapped := encryptStream(t, k, recording, pattern(firstPlain))

	tests := []struct {
		name  string
		extra []byte
	}{
		{"one byte", []byte{0}},
		{"an empty segment's size", make([]byte, tagSize)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decryptStream(k, recording, append(bytes.Clone(ciphertext), tt.extra...), wrapped)
			wantIntegrity(t, err, recording)
		})
	}
}

// segment returns the bounds of ciphertext segment i of a stream.
func segment(i int) (from, to int) {
	return i * crypto.SegmentSize, (i + 1) * crypto.SegmentSize
}

func TestStreamSegmentsMoved(t *testing.T) {
	k, _ := newKeyring(t)
	other := crypto.Ref{Kind: "recording", ID: "1700000000.43"}
	plaintext := pattern(largeSize)
	a, wrappedA := encryptStream(t, k, recording, plaintext)
	b, _ := encryptStream(t, k, other, plaintext)

	s1, e1 := segment(1)
	s2, e2 := segment(2)

	swappedIn := bytes.Clone(a)
	copy(swappedIn[s1:e1], b[s1:e1])

	headerSwapped := bytes.Clone(a)
	copy(headerSwapped[:headerSize], b[:headerSize])

	reordered := bytes.Clone(a)
	copy(reordered[s1:e1], a[s2:e2])
	copy(reordered[s2:e2], a[s1:e1])

	tests := []struct {
		name       string
		ciphertext []byte
	}{
		{"segment from another record", swappedIn},
		{"header from another record", headerSwapped},
		{"segments reordered", reordered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decryptStream(k, recording, tt.ciphertext, wrappedA)
			wantIntegrity(t, err, recording)
		})
	}
}

func TestStreamTransplanted(t *testing.T) {
	k, _ := newKeyring(t)
	other := crypto.Ref{Kind: "recording", ID: "1700000000.43"}
	a, wrappedA := encryptStream(t, k, recording, pattern(1000))
	_, wrappedB := encryptStream(t, k, other, pattern(1000))
	_, sealedKey, err := k.Seal(recording, []byte("transcript"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}

	tests := []struct {
		name    string
		ref     crypto.Ref
		wrapped []byte
	}{
		{"stream and key read as another record", other, wrappedA},
		{"wrapped key of another record", recording, wrappedB},
		{"wrapped key of a small payload", recording, sealedKey},
		{"same id, other kind", crypto.Ref{Kind: "transcript", ID: recording.ID}, wrappedA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decryptStream(k, tt.ref, a, tt.wrapped)
			wantIntegrity(t, err, tt.ref)
		})
	}
}

func TestStreamErrorIsSticky(t *testing.T) {
	k, _ := newKeyring(t)
	ciphertext, wrapped := encryptStream(t, k, recording, pattern(firstPlain+segmentPlain+5))

	r, err := k.NewStreamReader(bytes.NewReader(ciphertext[:crypto.SegmentSize+100]), recording, wrapped)
	if err != nil {
		t.Fatalf("NewStreamReader: got error %v, want nil", err)
	}

	_, first := io.ReadAll(r)
	wantIntegrity(t, first, recording)
	for range 3 {
		if n, err := r.Read(make([]byte, 10)); n != 0 || err != first {
			t.Fatalf("Read after error: got (%d, %v), want (0, %v)", n, err, first)
		}
	}
}

func TestStreamSourceError(t *testing.T) {
	k, _ := newKeyring(t)
	ciphertext, wrapped := encryptStream(t, k, recording, pattern(firstPlain+100))
	errDisk := errors.New("disk on fire")

	src := io.MultiReader(bytes.NewReader(ciphertext[:crypto.SegmentSize+10]), iotest.ErrReader(errDisk))
	r, err := k.NewStreamReader(src, recording, wrapped)
	if err != nil {
		t.Fatalf("NewStreamReader: got error %v, want nil", err)
	}

	_, err = io.ReadAll(r)
	if !errors.Is(err, errDisk) || errors.Is(err, crypto.ErrIntegrity) {
		t.Fatalf("got error %v, want the source's error and no integrity error", err)
	}
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

var errFull = errors.New("no space left")

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, errFull
	}
	f.n -= len(p)
	return len(p), nil
}

func TestStreamWriterErrorIsSticky(t *testing.T) {
	k, _ := newKeyring(t)

	w, _, err := k.NewStreamWriter(&failWriter{n: headerSize}, recording)
	if err != nil {
		t.Fatalf("NewStreamWriter: got error %v, want nil", err)
	}

	_, err = w.Write(pattern(firstPlain + 1))
	if !errors.Is(err, errFull) {
		t.Fatalf("Write: got error %v, want %v", err, errFull)
	}
	if _, err := w.Write([]byte{1}); !errors.Is(err, errFull) {
		t.Fatalf("Write after error: got error %v, want %v", err, errFull)
	}
	if err := w.Close(); !errors.Is(err, errFull) {
		t.Fatalf("Close after error: got error %v, want %v", err, errFull)
	}
}
