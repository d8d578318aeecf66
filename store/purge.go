package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Candidates returns up to limit records created before cutoff whose id
// sorts after after (empty for the first page), in id order, with their
// hold state. The retention package decides which of them to purge.
func (s *Store) Candidates(ctx context.Context, cutoff time.Time, after string, limit int) ([]Record, error) {
	if after == "" {
		after = "00000000-0000-0000-0000-000000000000"
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+recordColumns+`
		FROM records r JOIN calls c ON c.id = r.call_id
		WHERE r.created_at < $1 AND r.id > $2::uuid
		ORDER BY r.id LIMIT $3`, cutoff, after, limit)
	recs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Record, error) {
		r, err := s.scanRecord(row)
		return r.Record, err
	})
	if err != nil {
		return nil, fmt.Errorf("find expired records: %w", err)
	}
	return recs, nil
}

// CountExpired returns how many records were created before cutoff, and
// how many of those belong to calls under hold.
func (s *Store) CountExpired(ctx context.Context, cutoff time.Time) (expired, held int64, err error) {
	err = s.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE c.held)
		FROM records r JOIN calls c ON c.id = r.call_id
		WHERE r.created_at < $1`, cutoff).Scan(&expired, &held)
	if err != nil {
		return 0, 0, fmt.Errorf("count expired records: %w", err)
	}
	return expired, held, nil
}

// Purge deletes, in one short transaction, those of the records ids that
// are still older than cutoff and whose call is not held at that moment,
// and the calls left empty. A record another purge is deleting at the same
// time is skipped, so concurrent passes delete each record once. It writes
// no audit event: the caller writes one per pass.
func (s *Store) Purge(ctx context.Context, ids []string, cutoff time.Time) (Deletion, error) {
	var d Deletion
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		d, err = removeRecords(ctx, tx, ids, cutoff)
		return err
	})
	if err != nil {
		return Deletion{}, fmt.Errorf("purge: %w", err)
	}
	return d, nil
}

// PurgeEmptyCalls deletes calls created before cutoff that have no records
// left and are not held (their metadata is personal data too).
func (s *Store) PurgeEmptyCalls(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `
		DELETE FROM calls WHERE id IN (
			SELECT c.id FROM calls c
			WHERE c.created_at < $1 AND NOT c.held
			  AND NOT EXISTS (SELECT 1 FROM records r WHERE r.call_id = c.id)
			ORDER BY c.id LIMIT 1000
			FOR UPDATE SKIP LOCKED)`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("purge empty calls: %w", err)
	}
	return tag.RowsAffected(), nil
}

// CountByKind returns how many records the store holds of each kind; kinds
// with no record are present with 0.
func (s *Store) CountByKind(ctx context.Context) (map[Kind]int64, error) {
	counts := map[Kind]int64{KindRecording: 0, KindTranscript: 0}
	rows, _ := s.pool.Query(ctx, `SELECT kind, count(*) FROM records GROUP BY kind`)
	var kind string
	var n int64
	_, err := pgx.ForEachRow(rows, []any{&kind, &n}, func() error {
		counts[Kind(kind)] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count stored records: %w", err)
	}
	return counts, nil
}
