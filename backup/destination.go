package backup

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// Destination is where backups are kept: a flat space of objects named by
// slash-separated paths, such as "20260301T020000.000Z-1a2b3c4d/records.0000".
// Implementations live in their own packages (s3dest, filedest, memdest)
// and must be safe for concurrent use.
type Destination interface {
	// Put stores everything r yields as object name, replacing any object
	// of that name. The object appears whole or not at all: when r or ctx
	// fails, no new object is left under name. Memory use must not grow
	// with the object's size.
	Put(ctx context.Context, name string, r io.Reader) error

	// Get returns the content of object name, which the caller must close.
	// It returns an error wrapping ErrNotExist when there is no such
	// object.
	Get(ctx context.Context, name string) (io.ReadCloser, error)

	// List returns every object whose name starts with prefix, sorted by
	// name. An empty prefix lists everything.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)

	// Delete removes object name. Deleting an object that does not exist
	// is not an error.
	Delete(ctx context.Context, name string) error

	// String names the destination for messages, as a URL without
	// credentials: "s3://bucket/prefix", "file:///var/backups".
	String() string
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Name     string
	Size     int64
	Modified time.Time // when it was last written
}

// CheckName returns an error wrapping ErrBadName unless name is a
// relative, slash-separated path without empty, "." or ".." elements.
// Destinations call it before they touch storage.
func CheckName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") {
		return fmt.Errorf("%w %q: want a relative path", ErrBadName, name)
	}
	for _, elem := range strings.Split(name, "/") {
		if elem == "" || elem == "." || elem == ".." {
			return fmt.Errorf("%w %q: empty, . or .. element", ErrBadName, name)
		}
	}
	return nil
}
