package store

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// MaxTranscriptSize is the largest transcript PutTranscript accepts.
const MaxTranscriptSize = 16 << 20

// copyBufferSize is the read size of PutRecording: large enough that the
// per-call overhead of encryption and the pipe disappears.
const copyBufferSize = 256 << 10

// PutOptions describe a record being stored.
type PutOptions struct {
	// CreatedAt is when the call happened; zero means now. Give the real
	// date when importing historical calls: expiry counts from it.
	CreatedAt time.Time

	// ContentType of the content; empty means audio/wav for recordings
	// and text/plain for transcripts.
	ContentType string

	// Call, when not nil, replaces the call's metadata.
	Call *CallInfo
}

// PutRecording encrypts the content of r and stores it as a new recording
// of call callID, creating the call if needed. Memory use does not depend on
// the size of the recording.
//
// The recording becomes visible only when the whole of r is stored: when r
// fails, ctx is cancelled or the process dies, nothing of it remains. It
// returns an error wrapping ErrBadCallID for a bad call id.
func (s *Store) PutRecording(ctx context.Context, callID string, r io.Reader, opts PutOptions) (Record, error) {
	return s.put(ctx, KindRecording, callID, opts, func(tx pgx.Tx, rec *Record, id pgtype.UUID) error {
		return s.writeStream(ctx, tx, rec, id, r)
	})
}

// PutTranscript encrypts the content of r (at most MaxTranscriptSize bytes,
// else an error wrapping ErrTooLarge) and stores it as a new transcript of
// call callID, as PutRecording does.
func (s *Store) PutTranscript(ctx context.Context, callID string, r io.Reader, opts PutOptions) (Record, error) {
	return s.put(ctx, KindTranscript, callID, opts, func(tx pgx.Tx, rec *Record, id pgtype.UUID) error {
		return s.writeSealed(ctx, tx, rec, id, r)
	})
}

// writeFunc stores a record (its row and its content) in tx and sets
// rec.Size.
type writeFunc func(tx pgx.Tx, rec *Record, id pgtype.UUID) error

func (s *Store) put(ctx context.Context, kind Kind, callID string, opts PutOptions, write writeFunc) (Record, error) {
	if err := ValidateCallID(callID); err != nil {
		return Record{}, err
	}
	id := newRecordID()
	rec := s.newRecord(kind, uuidString(id), callID, opts)

	event := Event{Action: "put", Outcome: "ok", CallID: callID, RecordID: rec.ID,
		Detail: map[string]any{"kind": kind}}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.prepareCall(ctx, tx, callID, rec.CreatedAt, opts.Call); err != nil {
			return err
		}
		if err := write(tx, &rec, id); err != nil {
			return err
		}
		event.Count = rec.Size
		return s.insertEvent(ctx, tx, &event)
	})
	if err != nil {
		return Record{}, fmt.Errorf("put %s for call %s: %w", kind, callID, err)
	}
	s.notify(event)
	return rec, nil
}

func (s *Store) newRecord(kind Kind, id, callID string, opts PutOptions) Record {
	rec := Record{ID: id, Kind: kind, CallID: callID, ContentType: opts.ContentType,
		CreatedAt: opts.CreatedAt.UTC().Truncate(time.Microsecond)}
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	}
	if rec.ContentType == "" {
		rec.ContentType = map[Kind]string{KindRecording: "audio/wav", KindTranscript: "text/plain"}[kind]
	}
	rec.ExpiresAt = rec.CreatedAt.Add(s.retention)
	return rec
}

func (s *Store) prepareCall(ctx context.Context, tx pgx.Tx, callID string, at time.Time, info *CallInfo) error {
	if err := claimCall(ctx, tx, callID, at); err != nil {
		return err
	}
	if info == nil {
		return nil
	}
	return s.setCallInfo(ctx, tx, callID, *info)
}

// insertRecord writes the record's row; its size and chunk count are set
// by finishRecord in the same transaction.
func insertRecord(ctx context.Context, tx pgx.Tx, rec Record, id pgtype.UUID, wrapped []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO records
		(id, kind, call_id, content_type, size, chunks, wrapped_key, created_at)
		VALUES ($1, $2, $3, $4, 0, 0, $5, $6)`,
		id, rec.Kind, rec.CallID, rec.ContentType, wrapped, rec.CreatedAt)
	if err != nil {
		return fmt.Errorf("insert record: %w", err)
	}
	return nil
}

func finishRecord(ctx context.Context, tx pgx.Tx, id pgtype.UUID, size int64, chunks int32) error {
	_, err := tx.Exec(ctx, `UPDATE records SET size = $2, chunks = $3 WHERE id = $1`,
		id, size, chunks)
	if err != nil {
		return fmt.Errorf("finish record: %w", err)
	}
	return nil
}
