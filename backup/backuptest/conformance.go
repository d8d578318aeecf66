// Package backuptest checks that a backup.Destination keeps its contract.
// Each implementation's tests call Conformance on a fresh, empty
// destination.
package backuptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/avrdata/avrdata/backup"
)

// Sizes of the round-trip objects: empty, small, and larger than two
// parts of partSize, so that multipart uploads are exercised.
func sizes(partSize int) []int {
	return []int{0, 1, 1000, 2*partSize + 12345}
}

// Conformance runs the destination contract against dest, which must be
// empty. partSize is the destination's upload part size (0 when it has
// none), so that objects larger than a part are tried.
func Conformance(t *testing.T, dest backup.Destination, partSize int) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, dest, partSize) })
	t.Run("Overwrite", func(t *testing.T) { testOverwrite(t, dest) })
	t.Run("List", func(t *testing.T) { testList(t, dest) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, dest) })
	t.Run("Missing", func(t *testing.T) { testMissing(t, dest) })
	t.Run("FailedPut", func(t *testing.T) { testFailedPut(t, dest) })
	t.Run("BadNames", func(t *testing.T) { testBadNames(t, dest) })
}

func testRoundTrip(t *testing.T, dest backup.Destination, partSize int) {
	for _, size := range sizes(max(partSize, 64<<10)) {
		name := fmt.Sprintf("roundtrip/%d/object", size)
		want := Bytes(uint64(size), size)
		put(t, dest, name, want)

		if got := get(t, dest, name); !bytes.Equal(got, want) {
			t.Errorf("get %s: got %d bytes, want the %d put (equal: false)", name, len(got), len(want))
		}
	}
}

func testOverwrite(t *testing.T, dest backup.Destination) {
	put(t, dest, "overwrite/x", []byte("first version, longer"))
	put(t, dest, "overwrite/x", []byte("second"))

	if got := string(get(t, dest, "overwrite/x")); got != "second" {
		t.Errorf("after overwrite got %q, want %q", got, "second")
	}
	if n := len(list(t, dest, "overwrite/")); n != 1 {
		t.Errorf("after overwrite %d objects listed, want 1", n)
	}
}

func testList(t *testing.T, dest backup.Destination) {
	for _, name := range []string{"list/a/1", "list/a/2", "list/ab", "list/b/1", "listing"} {
		put(t, dest, name, []byte(name))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"list/a/", []string{"list/a/1", "list/a/2"}},
		{"list/a", []string{"list/a/1", "list/a/2", "list/ab"}},
		{"list/", []string{"list/a/1", "list/a/2", "list/ab", "list/b/1"}},
		{"list/c/", nil},
		{"nothing-here/", nil},
	}
	for _, tt := range tests {
		if got := list(t, dest, tt.prefix); !slices.Equal(got, tt.want) {
			t.Errorf("list %q: got %q, want %q", tt.prefix, got, tt.want)
		}
	}
	checkInfo(t, dest, "list/ab", int64(len("list/ab")))
}

// checkInfo checks the size and time List gives for name.
func checkInfo(t *testing.T, dest backup.Destination, name string, size int64) {
	t.Helper()

	objects, err := dest.List(context.Background(), name)
	if err != nil || len(objects) != 1 {
		t.Fatalf("list %s: got %v, %v; want one object", name, objects, err)
	}
	if o := objects[0]; o.Size != size || o.Modified.IsZero() {
		t.Errorf("list %s: got size %d, modified %v; want size %d and a time", name, o.Size, o.Modified, size)
	}
}

func testDelete(t *testing.T, dest backup.Destination) {
	ctx := context.Background()
	put(t, dest, "delete/a/x", []byte("x"))
	put(t, dest, "delete/b", []byte("b"))

	if err := dest.Delete(ctx, "delete/a/x"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := dest.Delete(ctx, "delete/a/x"); err != nil {
		t.Errorf("delete of a deleted object: got %v, want nil", err)
	}
	if got := list(t, dest, "delete/"); !slices.Equal(got, []string{"delete/b"}) {
		t.Errorf("after delete got %q, want [delete/b]", got)
	}
	if _, err := dest.Get(ctx, "delete/a/x"); !errors.Is(err, backup.ErrNotExist) {
		t.Errorf("get of a deleted object: got %v, want ErrNotExist", err)
	}
	put(t, dest, "delete/a/y", []byte("y")) // its folder may have gone with x
}

func testMissing(t *testing.T, dest backup.Destination) {
	_, err := dest.Get(context.Background(), "missing/object")
	if !errors.Is(err, backup.ErrNotExist) {
		t.Errorf("get missing: got %v, want ErrNotExist", err)
	}
}

// testFailedPut checks that a put whose reader fails leaves nothing.
func testFailedPut(t *testing.T, dest backup.Destination) {
	failing := io.MultiReader(bytes.NewReader(Bytes(9, 100_000)), errReader{})
	err := dest.Put(context.Background(), "failed/object", failing)

	if err == nil {
		t.Fatal("put from a failing reader: got nil, want an error")
	}
	if got := list(t, dest, "failed/"); len(got) != 0 {
		t.Errorf("after a failed put got %q, want nothing", got)
	}
}

func testBadNames(t *testing.T, dest backup.Destination) {
	for _, name := range []string{"", "/abs", "a/../b", "a//b", "./a", "a/"} {
		err := dest.Put(context.Background(), name, bytes.NewReader(nil))
		if !errors.Is(err, backup.ErrBadName) {
			t.Errorf("put %q: got %v, want ErrBadName", name, err)
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("source failed") }

// put stores data through a reader that cannot seek, as backups do.
func put(t *testing.T, dest backup.Destination, name string, data []byte) {
	t.Helper()
	r := struct{ io.Reader }{bytes.NewReader(data)}
	if err := dest.Put(context.Background(), name, r); err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
}

func get(t *testing.T, dest backup.Destination, name string) []byte {
	t.Helper()
	rc, err := dest.Get(context.Background(), name)
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return data
}

func list(t *testing.T, dest backup.Destination, prefix string) []string {
	t.Helper()
	objects, err := dest.List(context.Background(), prefix)
	if err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	var names []string
	for _, o := range objects {
		names = append(names, o.Name)
	}
	return names
}

// Bytes returns n pseudo-random bytes, the same for the same seed.
func Bytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
