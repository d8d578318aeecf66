package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/avrdata/avrdata/crypto"
)

// ChunkSize is the size of the ciphertext rows a recording is stored in. It
// equals the streaming segment size, so each row holds one segment.
const ChunkSize = 1 << 20

// copyHeader starts PostgreSQL's binary COPY format: signature, flags,
// header extension length.
var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// chunkWriter streams bytes into record_chunks rows of ChunkSize through one
// COPY, so a recording of any size is written with one chunk in memory.
type chunkWriter struct {
	ctx  context.Context
	tx   pgx.Tx
	pw   *io.PipeWriter // nil until the COPY starts
	done chan error
	id   pgtype.UUID
	buf  []byte
	seq  int32
	err  error
}

// newChunkWriter returns a writer of record_chunks rows for record id on
// tx's connection. The COPY starts with the first full chunk (or Close), so
// tx stays free for other statements until then; the record's row must be
// inserted by then. The caller must end the writer with Close or Abort.
func newChunkWriter(ctx context.Context, tx pgx.Tx, id pgtype.UUID) *chunkWriter {
	return &chunkWriter{ctx: ctx, tx: tx, id: id, buf: make([]byte, 0, ChunkSize)}
}

// start begins the COPY on a goroutine that reads the pipe.
func (w *chunkWriter) start() error {
	pr, pw := io.Pipe()
	w.pw, w.done = pw, make(chan error, 1)

	go func() {
		_, err := w.tx.Conn().PgConn().CopyFrom(w.ctx, pr,
			`COPY record_chunks (record_id, seq, data) FROM STDIN (FORMAT binary)`)
		// Unblock the writer if the server gave up first.
		pr.CloseWithError(errors.Join(err, errCopyEnded))
		w.done <- err
	}()
	_, err := pw.Write(copyHeader)
	return err
}

var errCopyEnded = errors.New("copy ended")

// Write buffers p and sends every full chunk.
func (w *chunkWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 && w.err == nil {
		k := min(len(p), ChunkSize-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(w.buf) == ChunkSize {
			w.err = w.flush()
		}
	}
	return n, w.err
}

// flush sends the buffered bytes as one row: three fields (uuid, int4,
// bytea), each a length and its bytes.
func (w *chunkWriter) flush() error {
	if w.pw == nil {
		if err := w.start(); err != nil {
			return err
		}
	}
	var hdr [2 + 4 + 16 + 4 + 4 + 4]byte
	binary.BigEndian.PutUint16(hdr[0:], 3)
	binary.BigEndian.PutUint32(hdr[2:], 16)
	copy(hdr[6:], w.id.Bytes[:])
	binary.BigEndian.PutUint32(hdr[22:], 4)
	binary.BigEndian.PutUint32(hdr[26:], uint32(w.seq))
	binary.BigEndian.PutUint32(hdr[30:], uint32(len(w.buf)))

	if _, err := w.pw.Write(hdr[:]); err != nil {
		return err
	}
	if _, err := w.pw.Write(w.buf); err != nil {
		return err
	}
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

// Close sends the last chunk and ends the COPY. It returns the number of
// chunks written.
func (w *chunkWriter) Close() (int32, error) {
	if w.err == nil && (len(w.buf) > 0 || w.pw == nil) {
		w.err = w.flush()
	}
	if w.err == nil {
		_, w.err = w.pw.Write([]byte{0xff, 0xff})
	}
	if w.err != nil {
		return 0, w.Abort(w.err)
	}
	w.pw.Close()
	if err := <-w.done; err != nil {
		return 0, fmt.Errorf("write chunks: %w", err)
	}
	return w.seq, nil
}

// Abort ends the COPY with an error, so that nothing of it is stored, and
// returns cause (or the COPY's own error when cause came from it).
func (w *chunkWriter) Abort(cause error) error {
	if w.pw == nil {
		return cause
	}
	w.pw.CloseWithError(cause)
	copyErr := <-w.done
	if errors.Is(cause, errCopyEnded) && copyErr != nil {
		return fmt.Errorf("write chunks: %w", copyErr)
	}
	return cause
}

// chunkReader reads a record's chunks in order as one stream. It checks
// that exactly want chunks arrive; decryption checks the rest.
type chunkReader struct {
	ref   crypto.Ref
	rows  pgx.Rows
	cur   []byte
	count int32
	want  int32
	err   error
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 && r.err == nil {
		r.err = r.next()
	}
	if len(r.cur) == 0 {
		return 0, r.err
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func (r *chunkReader) next() error {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return fmt.Errorf("read chunks: %w", err)
		}
		if r.count != r.want {
			// Rows were added or removed under the record.
			return &crypto.IntegrityError{Kind: r.ref.Kind, ID: r.ref.ID}
		}
		return io.EOF
	}
	r.count++
	// RawValues stays valid until the next call to Next: no copy needed.
	r.cur = r.rows.RawValues()[0]
	return nil
}
