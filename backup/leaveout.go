package backup

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// leaveOut removes, before their chunks are loaded, the records of calls
// erased after the backup and the records past retention, and remembers
// their ids so that their chunks are never loaded.
func (l *loader) leaveOut() error {
	if err := l.eraseAgain(); err != nil {
		return err
	}

	// As the retention pass does: expired, and the call not held.
	rows, _ := l.tx.Query(l.ctx, `DELETE FROM records r USING calls c
		WHERE c.id = r.call_id AND NOT c.held AND r.created_at < $1
		RETURNING r.id`, l.cutoff)
	n, err := l.drop(rows)
	if err != nil {
		return fmt.Errorf("leave out expired records: %w", err)
	}
	l.rep.ExpiredRecords = n
	l.skip("records", n)
	return nil
}

// eraseAgain applies the tombstones of erasures the backup does not hold
// (its erasures table has no entry as recent): such a call was erased
// after the snapshot, and must not come back.
func (l *loader) eraseAgain() error {
	newer, err := l.newerTombstones()
	if err != nil || len(newer) == 0 {
		return err
	}
	ids := make([]string, len(newer))
	times := make([]time.Time, len(newer))
	for i, t := range newer {
		ids[i], times[i] = t.CallID, t.ErasedAt
	}

	rows, _ := l.tx.Query(l.ctx, `DELETE FROM records WHERE call_id = ANY($1) RETURNING id`, ids)
	if l.rep.ErasedRecords, err = l.drop(rows); err != nil {
		return fmt.Errorf("erase calls again: %w", err)
	}
	tag, err := l.tx.Exec(l.ctx, `DELETE FROM calls WHERE id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("erase calls again: %w", err)
	}
	l.rep.ErasedCalls, l.rep.Tombstones = tag.RowsAffected(), len(newer)
	l.skip("records", l.rep.ErasedRecords)
	l.skip("calls", l.rep.ErasedCalls)

	_, err = l.tx.Exec(l.ctx, `INSERT INTO erasures (call_id, erased_at)
		SELECT * FROM unnest($1::text[], $2::timestamptz[])
		ON CONFLICT (call_id) DO UPDATE SET erased_at = EXCLUDED.erased_at`, ids, times)
	if err != nil {
		return fmt.Errorf("record erasures: %w", err)
	}
	return nil
}

// newerTombstones returns the tombstones the restored erasures table does
// not already cover.
func (l *loader) newerTombstones() ([]tombstone, error) {
	ids := make([]string, len(l.tombs))
	times := make([]time.Time, len(l.tombs))
	for i, t := range l.tombs {
		ids[i], times[i] = t.CallID, t.ErasedAt
	}

	rows, _ := l.tx.Query(l.ctx, `SELECT t.call_id, t.erased_at
		FROM unnest($1::text[], $2::timestamptz[]) AS t(call_id, erased_at)
		WHERE NOT EXISTS (SELECT 1 FROM erasures e
			WHERE e.call_id = t.call_id AND e.erased_at >= t.erased_at)`, ids, times)
	newer, err := pgx.CollectRows(rows, pgx.RowToStructByPos[tombstone])
	if err != nil {
		return nil, fmt.Errorf("read erasures: %w", err)
	}
	return newer, nil
}

// drop remembers the record ids rows returns, and counts them.
func (l *loader) drop(rows pgx.Rows) (int64, error) {
	var id pgtype.UUID
	var n int64
	_, err := pgx.ForEachRow(rows, []any{&id}, func() error {
		l.dropped[id.Bytes] = true
		n++
		return nil
	})
	return n, err
}

// dropExpiredCalls removes the calls that are past retention and have no
// record left, as the retention pass does: their metadata is personal
// data too.
func (l *loader) dropExpiredCalls() error {
	tag, err := l.tx.Exec(l.ctx, `DELETE FROM calls c
		WHERE c.created_at < $1 AND NOT c.held
		  AND NOT EXISTS (SELECT 1 FROM records r WHERE r.call_id = c.id)`, l.cutoff)
	if err != nil {
		return fmt.Errorf("leave out expired calls: %w", err)
	}
	l.rep.ExpiredCalls = tag.RowsAffected()
	l.skip("calls", l.rep.ExpiredCalls)
	return nil
}

// skip counts n rows of table left out.
func (l *loader) skip(table string, n int64) {
	for i := range l.rep.Tables {
		if l.rep.Tables[i].Name == table {
			l.rep.Tables[i].Skipped += n
		}
	}
}

// resetSequences moves every serial column's sequence past the restored
// rows, so that new audit events get new ids.
func resetSequences(ctx context.Context, tx pgx.Tx, m Manifest) error {
	names := make([]string, len(m.Tables))
	for i, t := range m.Tables {
		names[i] = t.Name
	}
	rows, _ := tx.Query(ctx, `SELECT table_name::text, column_name::text, seq FROM (
		SELECT table_name, column_name,
		       pg_get_serial_sequence(format('%I', table_name), column_name) AS seq
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ANY($1)) s
		WHERE seq IS NOT NULL`, names)
	seqs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[serial])
	if err != nil {
		return fmt.Errorf("find sequences: %w", err)
	}

	for _, s := range seqs {
		_, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval($1, coalesce((SELECT max(%s) FROM %s), 0) + 1, false)`,
			pgx.Identifier{s.Column}.Sanitize(), pgx.Identifier{s.Table}.Sanitize()), s.Sequence)
		if err != nil {
			return fmt.Errorf("reset sequence %s: %w", s.Sequence, err)
		}
	}
	return nil
}

type serial struct {
	Table, Column, Sequence string
}
