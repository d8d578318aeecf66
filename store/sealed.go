package store

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/avrdata/avrdata/crypto"
)

// writeSealed reads a small record whole, seals it, and stores it as one
// chunk.
func (s *Store) writeSealed(ctx context.Context, tx pgx.Tx, rec *Record, id pgtype.UUID, r io.Reader) error {
	plain, err := io.ReadAll(io.LimitReader(r, MaxTranscriptSize+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", rec.Kind, err)
	}
	if len(plain) > MaxTranscriptSize {
		return fmt.Errorf("%s: %w: more than %d bytes", rec.Kind, ErrTooLarge, MaxTranscriptSize)
	}
	sealed, wrapped, err := s.seal(rec.ref(), plain)
	if err != nil {
		return err
	}

	if err := insertRecord(ctx, tx, *rec, id, wrapped); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO record_chunks (record_id, seq, data) VALUES ($1, 0, $2)`,
		id, sealed)
	if err != nil {
		return fmt.Errorf("store %s: %w", rec.Kind, err)
	}
	rec.Size = int64(len(plain))
	return finishRecord(ctx, tx, id, rec.Size, 1)
}

func (s *Store) seal(ref crypto.Ref, plain []byte) (sealed, wrapped []byte, err error) {
	if s.plaintext {
		return plain, []byte{}, nil
	}
	sealed, wrapped, err = s.keys.Seal(ref, plain)
	if err != nil {
		return nil, nil, fmt.Errorf("seal %s: %w", ref, err)
	}
	return sealed, wrapped, nil
}

// open decrypts a sealed value, reloading the keysets first when another
// process rotated them since this store opened.
func (s *Store) open(ctx context.Context, ref crypto.Ref, sealed, wrapped []byte) ([]byte, error) {
	if s.plaintext {
		return sealed, nil
	}
	s.knowKey(ctx, wrapped)
	return s.keys.Open(ref, sealed, wrapped)
}

// knowKey reloads the keysets when wrapped was made with a key this
// keyring does not know yet. A failure is left for decryption to report.
func (s *Store) knowKey(ctx context.Context, wrapped []byte) {
	id, err := s.keys.WrappingKeyID(wrapped)
	if err != nil || s.keys.HasKey(id) {
		return
	}
	if err := s.keys.Reload(ctx, keysetStore{db: s.pool}); err != nil {
		s.log.Warn("reload keysets", "error", err)
	}
}
