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

// PendingUploads is implemented by destinations where a Put cut short by
// a killed process leaves stored data that List does not show: an S3
// multipart upload keeps its parts, and is billed, until it is aborted.
// Prune lists them with every run and aborts those of the runs it removes,
// and the stale ones under complete backups. Implementations must be safe
// for concurrent use.
type PendingUploads interface {
	// Pending returns the unfinished uploads whose object name starts
	// with prefix, sorted by name; an empty prefix lists them all. Names
	// are relative to the destination, as List's are. An upload finished
	// or aborted while Pending runs may be left out.
	Pending(ctx context.Context, prefix string) ([]PendingUpload, error)

	// AbortPending discards upload u and what it stored. Aborting an
	// upload that is gone (finished or aborted) is not an error.
	AbortPending(ctx context.Context, u PendingUpload) error
}

// PendingUpload describes an unfinished upload, as Pending finds it.
type PendingUpload struct {
	Name      string    // the object it would create
	ID        string    // the destination's id for the upload; opaque
	Started   time.Time // when it began, as the destination reports it
	LastWrite time.Time // when its newest part was stored, or Started if later
	Size      int64     // bytes stored by its parts
}

// ContextReader returns a reader of r that fails with ctx's error once
// ctx is done, for destinations whose storage does not watch ctx itself:
// a Put over such a reader stops at its next read.
func ContextReader(ctx context.Context, r io.Reader) io.Reader {
	return ctxReader{ctx, r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
