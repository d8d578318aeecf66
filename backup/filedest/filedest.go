// Package filedest is a backup destination in a local folder, given as
// file:///path: a mounted disk, an NFS share, a folder another tool
// copies off-site.
//
// Writes are atomic and durable: an object is written to a temporary file
// beside its final name, synced, renamed into place, and its folder
// synced, so a crash leaves either the whole object or none of it. Files
// are readable by their owner only.
package filedest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/avrdata/avrdata/backup"
)

var _ backup.Destination = (*Dest)(nil)

// tempPrefix starts the names of files being written; List skips them.
const tempPrefix = ".tmp-"

// Dest stores objects as files under a root folder, an object name's
// slashes making sub-folders. It is safe for concurrent use.
type Dest struct {
	root string
}

// New returns a Dest rooted at the absolute path root, which is created
// when the first object is stored.
func New(root string) (*Dest, error) {
	if !filepath.IsAbs(root) {
		return nil, fmt.Errorf("file destination %q: want an absolute path", root)
	}
	return &Dest{root: filepath.Clean(root)}, nil
}

// String returns "file:///root".
func (d *Dest) String() string { return "file://" + filepath.ToSlash(d.root) }

func (d *Dest) path(name string) (string, error) {
	if err := backup.CheckName(name); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(name)), nil
}

// Put implements backup.Destination.
func (d *Dest) Put(ctx context.Context, name string, r io.Reader) error {
	path, err := d.path(name)
	if err != nil {
		return err
	}
	// A Delete may remove the folder between mkdirAll and writeAtomic,
	// when it empties it; then make it again.
	for range 3 {
		if err = d.mkdirAll(filepath.Dir(path)); err == nil {
			err = writeAtomic(ctx, path, r)
		}
		if !errors.Is(err, errFolderGone) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	return nil
}

// errFolderGone means an object's folder vanished before anything was
// written to it.
var errFolderGone = errors.New("folder removed concurrently")

// writeAtomic writes r to a temporary file beside path, syncs it, renames
// it to path and syncs the folder.
func writeAtomic(ctx context.Context, path string, r io.Reader) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if errors.Is(err, fs.ErrNotExist) {
		return errFolderGone
	}
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()

	if _, err = io.Copy(f, backup.ContextReader(ctx, r)); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// mkdirAll creates dir and the folders above it up to the root, syncing
// the parent of each folder it creates so that the new entry is durable.
func (d *Dest) mkdirAll(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if dir != d.root && parent != dir {
		if err := d.mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Get implements backup.Destination.
func (d *Dest) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	path, err := d.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("get %s: %w", name, backup.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	return f, nil
}

// List implements backup.Destination.
func (d *Dest) List(ctx context.Context, prefix string) ([]backup.ObjectInfo, error) {
	start := d.root
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		start = filepath.Join(d.root, filepath.FromSlash(prefix[:i]))
	}

	var out []backup.ObjectInfo
	err := filepath.WalkDir(start, func(path string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // not made yet, or deleted while listing
		}
		if err != nil {
			return err
		}
		info, ok, err := d.objectInfo(path, e)
		if ok && strings.HasPrefix(info.Name, prefix) {
			out = append(out, info)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	slices.SortFunc(out, func(a, b backup.ObjectInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, ctx.Err()
}

// objectInfo describes the file at path, or returns false for folders.
// Files still being written (named .tmp-*) are listed too: a put killed
// halfway leaves one, and pruning must see it to remove it; a put in
// progress keeps its modification time fresh, so pruning leaves it be.
func (d *Dest) objectInfo(path string, e fs.DirEntry) (backup.ObjectInfo, bool, error) {
	if !e.Type().IsRegular() {
		return backup.ObjectInfo{}, false, nil
	}
	fi, err := e.Info()
	if errors.Is(err, fs.ErrNotExist) {
		return backup.ObjectInfo{}, false, nil // deleted while listing
	}
	if err != nil {
		return backup.ObjectInfo{}, false, err
	}
	rel, err := filepath.Rel(d.root, path)
	return backup.ObjectInfo{Name: filepath.ToSlash(rel), Size: fi.Size(), Modified: fi.ModTime()}, true, err
}

// Delete implements backup.Destination. Folders it leaves empty are
// removed too.
func (d *Dest) Delete(ctx context.Context, name string) error {
	path, err := d.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	for dir := filepath.Dir(path); dir != d.root; dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break // not empty, or gone
		}
	}
	return nil
}
