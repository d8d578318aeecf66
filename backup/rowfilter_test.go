package backup

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// copyStream builds a binary COPY stream of rows (key, seq, data).
type copyStream struct{ bytes.Buffer }

func newCopyStream() *copyStream {
	s := &copyStream{}
	s.WriteString(copySignature)
	s.Write(make([]byte, 8)) // flags, header extension length
	return s
}

func (s *copyStream) row(key byte, seq int32, data []byte) *copyStream {
	s.Write(binary.BigEndian.AppendUint16(nil, 3))
	s.field(bytes.Repeat([]byte{key}, 16))
	s.field(binary.BigEndian.AppendUint32(nil, uint32(seq)))
	s.field(data)
	return s
}

func (s *copyStream) field(b []byte) {
	s.Write(binary.BigEndian.AppendUint32(nil, uint32(len(b))))
	s.Write(b)
}

func (s *copyStream) end() []byte {
	s.Write([]byte{0xff, 0xff})
	return s.Bytes()
}

func TestRowFilter(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 300_000)
	in := newCopyStream().row(1, 0, big).row(2, 0, []byte("gone")).row(1, 1, nil).
		row(2, 1, big).row(3, 0, []byte("kept")).end()
	want := newCopyStream().row(1, 0, big).row(1, 1, nil).row(3, 0, []byte("kept")).end()

	f := newRowFilter(bytes.NewReader(in), 0, map[[16]byte]bool{keyOf(2): true})
	got, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, want) || f.skipped != 2 {
		t.Errorf("got %d bytes with %d rows skipped, want %d bytes with 2 skipped",
			len(got), f.skipped, len(want))
	}
}

func TestRowFilterRefusesDamage(t *testing.T) {
	whole := newCopyStream().row(1, 0, []byte("abc")).end()
	tests := map[string][]byte{
		"empty":           nil,
		"bad signature":   append([]byte("PGCOPX"), whole[6:]...),
		"cut in a row":    whole[:len(whole)-6],
		"no trailer":      whole[:len(whole)-2],
		"after trailer":   append(bytes.Clone(whole), 0),
		"huge field size": append(bytes.Clone(whole[:19]), 0, 1, 0x7f, 0xff, 0xff, 0xff),
	}
	for name, in := range tests {
		_, err := io.ReadAll(newRowFilter(bytes.NewReader(in), 0, nil))
		if !errors.Is(err, errCopyFormat) {
			t.Errorf("%s: got %v, want errCopyFormat", name, err)
		}
	}
}

// TestRowFilterKeepsSourceErrors checks that an error of the object being
// read (damage found by decryption) comes through as it is.
func TestRowFilterKeepsSourceErrors(t *testing.T) {
	damaged := errors.New("object damaged")
	src := io.MultiReader(bytes.NewReader(newCopyStream().Bytes()), errorReader{damaged})

	_, err := io.ReadAll(newRowFilter(src, 0, nil))
	if !errors.Is(err, damaged) {
		t.Errorf("got %v, want the source's error", err)
	}
}

// FuzzRowFilter feeds arbitrary bytes, as a damaged backup could hold:
// the filter must end with an error or a stream, never hang or panic, and
// what it passes on must never be larger than what it read.
func FuzzRowFilter(f *testing.F) {
	f.Add(newCopyStream().row(1, 0, []byte("abc")).row(2, 5, nil).end())
	f.Add([]byte(copySignature))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := io.ReadAll(newRowFilter(bytes.NewReader(in), 0, map[[16]byte]bool{keyOf(2): true}))
		if len(out) > len(in) {
			t.Fatalf("passed %d bytes on from %d", len(out), len(in))
		}
		if err == nil && !bytes.HasSuffix(out, []byte{0xff, 0xff}) {
			t.Fatalf("stream accepted without its trailer")
		}
	})
}

// FuzzParseManifest feeds arbitrary bytes as a manifest file: parsing
// must fail cleanly or give a manifest of the id asked for.
func FuzzParseManifest(f *testing.F) {
	_, raw := sealedManifest(f, testKeys(f))
	f.Add(raw)
	f.Add([]byte(`{"manifest":{},"sealed":""}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, _, err := parseManifest(in, "20260301T020000.000Z-1a2b3c4d")
		if err == nil && m.ID != "20260301T020000.000Z-1a2b3c4d" {
			t.Fatalf("accepted the manifest of %q", m.ID)
		}
	})
}

func keyOf(b byte) [16]byte {
	return [16]byte(bytes.Repeat([]byte{b}, 16))
}

type errorReader struct{ err error }

func (r errorReader) Read([]byte) (int, error) { return 0, r.err }
