package store

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// writeStream encrypts r into the record's chunks. The record row goes in
// first: the chunks refer to it.
func (s *Store) writeStream(ctx context.Context, tx pgx.Tx, rec *Record, id pgtype.UUID, r io.Reader) error {
	chunks := newChunkWriter(ctx, tx, id)
	enc, wrapped, err := s.encrypter(chunks, rec)
	if err != nil {
		return chunks.Abort(err)
	}
	if err := insertRecord(ctx, tx, *rec, id, wrapped); err != nil {
		return chunks.Abort(err)
	}

	n, err := io.CopyBuffer(enc, r, make([]byte, copyBufferSize))
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		return chunks.Abort(fmt.Errorf("store recording: %w", err))
	}
	count, err := chunks.Close()
	if err != nil {
		return err
	}

	rec.Size = n
	return finishRecord(ctx, tx, id, n, count)
}

// encrypter returns the writer that encrypts into chunks and the record's
// wrapped data key.
func (s *Store) encrypter(chunks io.Writer, rec *Record) (io.WriteCloser, []byte, error) {
	if s.plaintext {
		return nopCloser{chunks}, []byte{}, nil
	}
	return s.keys.NewStreamWriter(chunks, rec.ref())
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
