package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	"github.com/avrdata/avrdata/crypto"
)

// objectWriter encrypts what is written to it into one object of a
// backup, streaming it to the destination as it goes and hashing the
// stored bytes. It holds about two cipher segments and whatever the
// destination buffers, whatever the object's size.
type objectWriter struct {
	name  string
	enc   io.WriteCloser
	pipe  *io.PipeWriter
	sum   hash.Hash
	size  int64 // stored bytes
	plain int64 // bytes written
	done  chan error
}

// startObject starts storing object name of backup id, encrypted with key
// for the Ref "backup object ID/NAME". The caller ends it with close or
// abort.
func startObject(
	ctx context.Context,
	dest Destination,
	key crypto.StreamKey,
	id, name string,
) (*objectWriter, error) {
	pr, pw := io.Pipe()
	o := &objectWriter{name: name, pipe: pw, sum: sha256.New(), done: make(chan error, 1)}
	go func() {
		err := dest.Put(ctx, objectPath(id, name), pr)
		pr.CloseWithError(fmt.Errorf("store %s: %w", name, errOr(err, io.ErrClosedPipe)))
		o.done <- err
	}()

	enc, err := key.NewWriter(io.MultiWriter(o.sum, counter{&o.size}, pw), objectRef(id, name))
	if err != nil {
		return nil, o.abort(err)
	}
	o.enc = enc
	return o, nil
}

func objectRef(id, name string) crypto.Ref {
	return crypto.Ref{Kind: "backup object", ID: objectPath(id, name)}
}

// Write encrypts p into the object.
func (o *objectWriter) Write(p []byte) (int, error) {
	n, err := o.enc.Write(p)
	o.plain += int64(n)
	return n, err
}

// close finishes the object and waits until the destination stored it.
func (o *objectWriter) close() (Object, error) {
	if err := o.enc.Close(); err != nil {
		return Object{}, o.abort(err)
	}
	o.pipe.Close()
	if err := <-o.done; err != nil {
		return Object{}, fmt.Errorf("store %s: %w", o.name, err)
	}
	return Object{
		Name:      o.name,
		Size:      o.size,
		SHA256:    hex.EncodeToString(o.sum.Sum(nil)),
		DataBytes: o.plain,
	}, nil
}

// abort makes the destination drop the object and returns cause.
func (o *objectWriter) abort(cause error) error {
	o.pipe.CloseWithError(cause)
	<-o.done
	return cause
}

// counter counts the bytes written through it.
type counter struct{ n *int64 }

func (c counter) Write(p []byte) (int, error) {
	*c.n += int64(len(p))
	return len(p), nil
}

func errOr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}
