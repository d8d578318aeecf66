package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/avrdata/avrdata/crypto"
)

// tableReader reads the objects of one table in turn from the destination
// and yields their decrypted bytes as one stream. Each object is hashed as
// it streams and checked against the manifest at its end; any problem is
// a sticky *ObjectError naming the object, and io.EOF comes only after
// the last object checked out.
type tableReader struct {
	ctx      context.Context
	dest     Destination
	key      crypto.StreamKey
	id       string
	objects  []Object // still to read
	progress *meter

	obj   Object
	raw   io.ReadCloser
	in    *hashingReader
	plain io.Reader
	err   error
	read  int   // objects read whole and checked
	bytes int64 // their stored bytes
}

func (r *tableReader) Read(p []byte) (int, error) {
	for r.err == nil {
		if r.plain == nil {
			r.err = r.next()
			continue
		}
		n, err := r.plain.Read(p)
		if err == io.EOF {
			err = r.finish()
		}
		if err != nil {
			r.err = r.objectError(err)
			return n, r.err
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, r.err
}

// next opens the next object, or ends the stream.
func (r *tableReader) next() error {
	if len(r.objects) == 0 {
		return io.EOF
	}
	r.obj, r.objects = r.objects[0], r.objects[1:]
	r.progress.object(r.obj.Name)

	rc, err := r.dest.Get(r.ctx, objectPath(r.id, r.obj.Name))
	if err != nil {
		return r.objectError(err)
	}
	r.raw = rc
	r.in = &hashingReader{r: rc, sum: sha256.New(), progress: r.progress}
	r.plain, err = r.key.NewReader(r.in, objectRef(r.id, r.obj.Name))
	if err != nil {
		return r.objectError(err)
	}
	return nil
}

// finish checks an object that decrypted to its end: whatever follows
// the authenticated end, and the size and hash of the whole.
func (r *tableReader) finish() error {
	if _, err := io.Copy(io.Discard, r.in); err != nil {
		return err
	}
	r.close()
	if r.in.n != r.obj.Size || hex.EncodeToString(r.in.sum.Sum(nil)) != r.obj.SHA256 {
		return fmt.Errorf("%w: %d bytes, manifest says %d", ErrChecksum, r.in.n, r.obj.Size)
	}
	r.read, r.bytes = r.read+1, r.bytes+r.in.n
	return nil
}

// close releases the object being read.
func (r *tableReader) close() {
	if r.raw != nil {
		r.raw.Close()
	}
	r.raw, r.plain = nil, nil
}

// objectError names the object in err; a failed decryption becomes
// crypto.ErrIntegrity without the inner record name.
func (r *tableReader) objectError(err error) error {
	r.close()
	var ie *crypto.IntegrityError
	if errors.As(err, &ie) {
		err = fmt.Errorf("%w: modified, truncated or not of this backup", crypto.ErrIntegrity)
	}
	return &ObjectError{Backup: r.id, Name: r.obj.Name, Err: err}
}

// hashingReader hashes and counts what is read through it.
type hashingReader struct {
	r        io.Reader
	sum      hash.Hash
	n        int64
	progress *meter
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.sum.Write(p[:n])
	h.n += int64(n)
	h.progress.add(n)
	return n, err
}
