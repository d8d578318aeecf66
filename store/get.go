package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/crypto"
)

// recordColumns are read by scanRecord, from records r joined with calls c.
const recordColumns = `r.id::text, r.kind, r.call_id, r.content_type, r.size,
	r.created_at, c.held, r.chunks, r.wrapped_key`

// storedRecord is a record's row: the Record and what reading it needs.
type storedRecord struct {
	Record
	chunks  int32
	wrapped []byte
}

func (s *Store) scanRecord(row pgx.Row) (storedRecord, error) {
	var r storedRecord
	err := row.Scan(&r.ID, &r.Kind, &r.CallID, &r.ContentType, &r.Size,
		&r.CreatedAt, &r.Held, &r.chunks, &r.wrapped)
	r.CreatedAt = r.CreatedAt.UTC()
	r.ExpiresAt = r.CreatedAt.Add(s.retention)
	return r, err
}

// Get returns the description of record id, or an error wrapping
// ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (Record, error) {
	r, err := s.load(ctx, id)
	return r.Record, err
}

func (s *Store) load(ctx context.Context, id string) (storedRecord, error) {
	uid, err := parseRecordID(id)
	if err != nil {
		return storedRecord{}, err
	}
	r, err := s.scanRecord(s.pool.QueryRow(ctx, `SELECT `+recordColumns+`
		FROM records r JOIN calls c ON c.id = r.call_id WHERE r.id = $1`, uid))
	if isNoRows(err) {
		return r, fmt.Errorf("record %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read record %s: %w", id, err)
	}
	return r, nil
}

// Open returns the decrypted content of record id as a stream, and its
// description. The caller must Close the stream.
//
// Reading fails with an error wrapping crypto.ErrIntegrity, naming the
// record, when any stored byte was changed, moved from another record, or
// cut off; a stream never ends with io.EOF unless the whole record was read
// and authenticated. Open itself fails with ErrNotFound for an unknown id.
// Every Open leaves a "read" audit event.
func (s *Store) Open(ctx context.Context, id string) (io.ReadCloser, Record, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, Record{}, err
	}
	event := &Event{Action: "read", Outcome: "ok", CallID: r.CallID, RecordID: r.ID, Count: r.Size}
	rc, err := s.reader(ctx, r, event)
	if err != nil {
		s.audit(ctx, Event{Action: "read", Outcome: "failed", CallID: r.CallID, RecordID: r.ID})
		return nil, Record{}, err
	}
	s.notify(*event)
	return rc, r.Record, nil
}

// reader opens record r for reading and, when event is not nil, appends it
// to the audit trail once the record is open.
func (s *Store) reader(ctx context.Context, r storedRecord, event *Event) (io.ReadCloser, error) {
	s.knowKey(ctx, r.wrapped)
	if r.Kind == KindTranscript {
		plain, err := s.readSealed(ctx, r)
		if err == nil && event != nil {
			err = s.insertEvent(ctx, s.pool, event)
		}
		if err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(plain)), nil
	}
	return s.readStream(ctx, r, event)
}

// readSealed reads and opens a record stored as one sealed chunk.
func (s *Store) readSealed(ctx context.Context, r storedRecord) ([]byte, error) {
	var sealed []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM record_chunks WHERE record_id = $1::uuid
		ORDER BY seq`, r.ID).Scan(&sealed)
	if isNoRows(err) {
		return nil, &crypto.IntegrityError{Kind: string(r.Kind), ID: r.ID}
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", r.Kind, r.ID, err)
	}
	if r.chunks != 1 {
		return nil, &crypto.IntegrityError{Kind: string(r.Kind), ID: r.ID}
	}
	return s.open(ctx, r.ref(), sealed, r.wrapped)
}

// readStream streams a recording's chunks through decryption. It holds a
// connection until Close.
//
// The audit event goes through that connection too: a reader never waits
// for a second connection while it holds one, so many readers at once
// cannot exhaust the pool.
func (s *Store) readStream(ctx context.Context, r storedRecord, event *Event) (io.ReadCloser, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("read recording %s: %w", r.ID, err)
	}
	if event != nil {
		if err := s.insertEvent(ctx, conn, event); err != nil {
			conn.Release()
			return nil, err
		}
	}
	rows, err := conn.Query(ctx, `SELECT data FROM record_chunks WHERE record_id = $1::uuid
		ORDER BY seq`, pgx.QueryResultFormats{pgx.BinaryFormatCode}, r.ID)
	if err != nil {
		conn.Release()
		return nil, fmt.Errorf("read recording %s: %w", r.ID, err)
	}

	src := &recordReader{conn: conn, rows: rows, rec: r}
	src.chunks = &chunkReader{ref: r.ref(), rows: rows, want: r.chunks}
	if err := s.decrypter(ctx, src); err != nil {
		src.Close()
		return nil, err
	}
	return src, nil
}

func (s *Store) decrypter(ctx context.Context, src *recordReader) error {
	if s.plaintext {
		src.plain = src.chunks
		return nil
	}
	plain, err := s.keys.NewStreamReader(src.chunks, src.rec.ref(), src.rec.wrapped)
	src.plain = plain
	return err
}

// recordReader is a recording being read: decrypted bytes out, the size
// checked at the end, the connection released on Close.
type recordReader struct {
	conn   *pgxpool.Conn
	rows   pgx.Rows
	rec    storedRecord
	chunks *chunkReader
	plain  io.Reader
	n      int64
	err    error
}

func (r *recordReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.plain.Read(p)
	r.n += int64(n)
	if err == io.EOF && r.n != r.rec.Size {
		err = &crypto.IntegrityError{Kind: string(r.rec.Kind), ID: r.rec.ID}
	}
	var integrity *crypto.IntegrityError
	if errors.As(err, &integrity) {
		err = integrity // one message, naming the record once
	}
	r.err = err
	return n, err
}

// Close releases the connection. It is safe to call more than once.
func (r *recordReader) Close() error {
	if r.conn == nil {
		return nil
	}
	r.rows.Close()
	r.conn.Release()
	r.conn = nil
	return nil
}
