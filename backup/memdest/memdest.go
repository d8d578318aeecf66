// Package memdest is a backup destination in memory, for tests and for
// trying things out. Its objects live as long as the Dest.
package memdest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/avrdata/avrdata/backup"
)

var _ backup.Destination = (*Dest)(nil)

// Dest keeps objects in memory. The zero value is empty and ready; it is
// safe for concurrent use. Unlike the other destinations, Put holds the
// whole object in memory.
type Dest struct {
	mu      sync.Mutex
	objects map[string]object
}

type object struct {
	data     []byte
	modified time.Time
}

// New returns an empty Dest.
func New() *Dest { return &Dest{} }

// Put implements backup.Destination.
func (d *Dest) Put(ctx context.Context, name string, r io.Reader) error {
	if err := backup.CheckName(name); err != nil {
		return err
	}
	data, err := io.ReadAll(backup.ContextReader(ctx, r))
	if err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.objects == nil {
		d.objects = map[string]object{}
	}
	d.objects[name] = object{data: data, modified: time.Now()}
	return nil
}

// Get implements backup.Destination.
func (d *Dest) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := backup.CheckName(name); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	o, ok := d.objects[name]
	if !ok {
		return nil, fmt.Errorf("get %s: %w", name, backup.ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(o.data)), nil
}

// List implements backup.Destination.
func (d *Dest) List(ctx context.Context, prefix string) ([]backup.ObjectInfo, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []backup.ObjectInfo
	for name, o := range d.objects {
		if strings.HasPrefix(name, prefix) {
			out = append(out, backup.ObjectInfo{Name: name, Size: int64(len(o.data)), Modified: o.modified})
		}
	}
	slices.SortFunc(out, func(a, b backup.ObjectInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Delete implements backup.Destination.
func (d *Dest) Delete(ctx context.Context, name string) error {
	if err := backup.CheckName(name); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.objects, name)
	return nil
}

// String returns "mem:".
func (d *Dest) String() string { return "mem:" }

// Change replaces object name's content with the result of fn, for tests
// that damage backups. It returns backup.ErrNotExist for a missing object.
func (d *Dest) Change(name string, fn func([]byte) []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	o, ok := d.objects[name]
	if !ok {
		return fmt.Errorf("change %s: %w", name, backup.ErrNotExist)
	}
	o.data = fn(bytes.Clone(o.data))
	d.objects[name] = o
	return nil
}
