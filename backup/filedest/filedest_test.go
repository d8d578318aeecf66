package filedest_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/avrdata/avrdata/backup/backuptest"
	"github.com/avrdata/avrdata/backup/filedest"
)

func TestConformance(t *testing.T) {
	d, err := filedest.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	backuptest.Conformance(t, d, 0)
}

// TestNoTemporaryFilesLeft checks that successful and failed puts leave
// only whole objects in the folder, and that files are private.
func TestNoTemporaryFilesLeft(t *testing.T) {
	root := t.TempDir()
	d, _ := filedest.New(root)
	ctx := context.Background()
	d.Put(ctx, "a/b", strings.NewReader("whole"))
	d.Put(ctx, "a/c", failingReader{})

	var names []string
	filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			names = append(names, e.Name())
			if fi, _ := e.Info(); fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
			}
		}
		return err
	})
	if len(names) != 1 || names[0] != "b" {
		t.Errorf("files left: got %q, want [b]", names)
	}
}

func TestNewWantsAbsolutePath(t *testing.T) {
	if _, err := filedest.New("relative/dir"); err == nil {
		t.Error("New(relative): got nil error, want one")
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, os.ErrDeadlineExceeded }

// TestKilledPutIsListedAndDeleted: the temporary file a killed put leaves
// is listed, so that pruning sees it, and deleting it removes its folder.
func TestKilledPutIsListedAndDeleted(t *testing.T) {
	root := t.TempDir()
	d, _ := filedest.New(root)
	ctx := context.Background()
	stray := filepath.Join(root, "run", ".tmp-123")
	os.MkdirAll(filepath.Dir(stray), 0o700)
	os.WriteFile(stray, []byte("half an object"), 0o600)

	objects, err := d.List(ctx, "run/")
	if err != nil || len(objects) != 1 || objects[0].Name != "run/.tmp-123" {
		t.Fatalf("list: got %+v, %v; want the stray temporary file", objects, err)
	}
	if err := d.Delete(ctx, objects[0].Name); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(stray)); !os.IsNotExist(err) {
		t.Errorf("folder of the killed put: got %v, want it removed", err)
	}
}
