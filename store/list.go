package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ListOptions select the records List returns.
type ListOptions struct {
	CallID string // only this call's records; empty for all
}

// List calls fn for each record, oldest first, without holding them all in
// memory. It stops at the first error fn returns and returns it.
func (s *Store) List(ctx context.Context, opts ListOptions, fn func(Record) error) error {
	if opts.CallID != "" {
		if err := ValidateCallID(opts.CallID); err != nil {
			return err
		}
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+recordColumns+`
		FROM records r JOIN calls c ON c.id = r.call_id
		WHERE $1 = '' OR r.call_id = $1
		ORDER BY r.created_at, r.id`, opts.CallID)
	defer rows.Close()

	for rows.Next() {
		r, err := s.scanRecord(rows)
		if err != nil {
			return fmt.Errorf("list records: %w", err)
		}
		if err := fn(r.Record); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list records: %w", err)
	}
	return nil
}

// eachStored calls fn for every record row in id order, a page at a time,
// so long passes (verify, re-wrap) hold no long transaction.
func (s *Store) eachStored(ctx context.Context, fn func(storedRecord) error) error {
	after := "00000000-0000-0000-0000-000000000000"
	for {
		rows, _ := s.pool.Query(ctx, `SELECT `+recordColumns+`
			FROM records r JOIN calls c ON c.id = r.call_id
			WHERE r.id > $1::uuid ORDER BY r.id LIMIT 500`, after)
		page, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (storedRecord, error) {
			return s.scanRecord(row)
		})
		if err != nil {
			return fmt.Errorf("read records: %w", err)
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < 500 {
			return nil
		}
		after = page[len(page)-1].ID
	}
}
