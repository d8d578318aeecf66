package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Deletion counts what a deletion removed.
type Deletion struct {
	Records int64 // recordings and transcripts
	Bytes   int64 // their plaintext size
	Calls   int64 // calls left without records, removed with their metadata
}

// Add returns the sum of d and o.
func (d Deletion) Add(o Deletion) Deletion {
	return Deletion{Records: d.Records + o.Records, Bytes: d.Bytes + o.Bytes, Calls: d.Calls + o.Calls}
}

// removeRecords is the one deletion path of the store, used by purges and
// erasures. In tx it deletes the records of ids that belong to calls not
// under hold and (when before is not zero) were created before it; their
// chunks go with them. Then it deletes the calls that were left without
// records and are not held.
//
// Rows another transaction is deleting or holding are skipped, never waited
// for: two passes at once remove each record once and cannot deadlock. The
// FOR SHARE lock on the call makes a hold that commits first win, and a
// hold that comes later wait for this transaction.
func removeRecords(ctx context.Context, tx pgx.Tx, ids []string, before time.Time) (Deletion, error) {
	var d Deletion
	rows, _ := tx.Query(ctx, `
		WITH doomed AS (
			SELECT r.id FROM records r JOIN calls c ON c.id = r.call_id
			WHERE r.id = ANY($1::uuid[]) AND NOT c.held
			  AND ($2::timestamptz IS NULL OR r.created_at < $2)
			ORDER BY r.id
			FOR UPDATE OF r SKIP LOCKED
			FOR SHARE OF c SKIP LOCKED)
		DELETE FROM records r USING doomed WHERE r.id = doomed.id
		RETURNING r.call_id, r.size`, ids, nullTime(before))
	calls := map[string]bool{}
	var call string
	var size int64
	_, err := pgx.ForEachRow(rows, []any{&call, &size}, func() error {
		d.Records, d.Bytes, calls[call] = d.Records+1, d.Bytes+size, true
		return nil
	})
	if err != nil {
		return d, fmt.Errorf("delete records: %w", err)
	}

	d.Calls, err = removeEmptyCalls(ctx, tx, keys(calls))
	return d, err
}

// removeEmptyCalls deletes those of calls that have no records and are not
// held, skipping calls a put is writing to (it holds a KEY SHARE lock).
func removeEmptyCalls(ctx context.Context, tx pgx.Tx, calls []string) (int64, error) {
	if len(calls) == 0 {
		return 0, nil
	}
	tag, err := tx.Exec(ctx, `
		DELETE FROM calls WHERE id IN (
			SELECT c.id FROM calls c
			WHERE c.id = ANY($1) AND NOT c.held
			  AND NOT EXISTS (SELECT 1 FROM records r WHERE r.call_id = c.id)
			ORDER BY c.id
			FOR UPDATE SKIP LOCKED)`, calls)
	if err != nil {
		return 0, fmt.Errorf("delete empty calls: %w", err)
	}
	return tag.RowsAffected(), nil
}

var zeroTime time.Time

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
