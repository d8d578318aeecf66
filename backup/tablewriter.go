package backup

import (
	"context"
	"fmt"

	"github.com/avrdata/avrdata/crypto"
)

// DefaultPartLimit is the most bytes of a table, before encryption, that
// one object holds; larger tables are split. It keeps every object well
// under the size a multipart upload of bounded part size can reach.
const DefaultPartLimit = 1 << 30

// tableWriter writes a table's COPY stream into objects "TABLE.0000",
// "TABLE.0001", ..., starting a new one every limit bytes.
type tableWriter struct {
	ctx     context.Context
	dest    Destination
	key     crypto.StreamKey
	id      string
	table   string
	limit   int64
	cur     *objectWriter
	objects []Object
	written func(n int) // progress, after each write
}

func (t *tableWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if err := t.ensureObject(); err != nil {
			return n, err
		}
		k := int(min(int64(len(p)), t.limit-t.cur.plain))
		if _, err := t.cur.Write(p[:k]); err != nil {
			return n, err
		}
		p, n = p[k:], n+k
		t.written(k)
		if t.cur.plain == t.limit {
			if err := t.finishObject(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (t *tableWriter) ensureObject() error {
	if t.cur != nil {
		return nil
	}
	name := fmt.Sprintf("%s.%04d", t.table, len(t.objects))
	o, err := startObject(t.ctx, t.dest, t.key, t.id, name)
	t.cur = o
	return err
}

func (t *tableWriter) finishObject() error {
	obj, err := t.cur.close()
	t.cur = nil
	if err != nil {
		return err
	}
	t.objects = append(t.objects, obj)
	return nil
}

// close finishes the last object (there is always at least one) and
// returns them all.
func (t *tableWriter) close() ([]Object, error) {
	if t.cur == nil && len(t.objects) > 0 {
		return t.objects, nil
	}
	if err := t.ensureObject(); err != nil {
		return nil, err
	}
	if err := t.finishObject(); err != nil {
		return nil, err
	}
	return t.objects, nil
}

// abort drops the object being written.
func (t *tableWriter) abort(cause error) error {
	if t.cur == nil {
		return cause
	}
	err := t.cur.abort(cause)
	t.cur = nil
	return err
}
