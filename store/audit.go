package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Event is one audit event: who did what to which call or record, how many,
// and how it ended. It never holds content or phone numbers.
type Event struct {
	ID       int64
	At       time.Time
	Action   string // put, read, hold, release, erase, purge, verify, rotate, rewrap, rotate-root, backup, prune, restore, drill, policy
	Actor    string
	Outcome  string // ok, failed, refused, ...
	CallID   string
	RecordID string
	Count    int64
	Detail   map[string]any
}

// Audit appends an event to the audit trail, for packages that act on the
// store (purges, backups, restores). Actor defaults to the store's.
func (s *Store) Audit(ctx context.Context, e Event) error {
	if err := s.insertEvent(ctx, s.pool, &e); err != nil {
		return err
	}
	s.notify(e)
	return nil
}

// audit appends e and logs, rather than returns, a failure: the operation
// it describes has already happened.
func (s *Store) audit(ctx context.Context, e Event) {
	if err := s.Audit(ctx, e); err != nil {
		s.log.Error("write audit event", "action", e.Action, "error", err)
	}
}

// insertEvent appends e through q, so that it commits with q's transaction.
func (s *Store) insertEvent(ctx context.Context, q querier, e *Event) error {
	if e.Actor == "" {
		e.Actor = s.actor
	}
	if e.Detail == nil {
		e.Detail = map[string]any{}
	}
	err := q.QueryRow(ctx, `
		INSERT INTO audit_events (action, actor, outcome, call_id, record_id, count, detail)
		VALUES ($1, $2, $3, nullif($4, ''), nullif($5, '')::uuid, $6, $7)
		RETURNING id, at`,
		e.Action, e.Actor, e.Outcome, e.CallID, e.RecordID, nullCount(e.Count), e.Detail,
	).Scan(&e.ID, &e.At)
	if err != nil {
		return fmt.Errorf("write audit event %s: %w", e.Action, err)
	}
	return nil
}

func (s *Store) notify(e Event) {
	if s.events != nil {
		s.events(e)
	}
}

func nullCount(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

// AuditEvents returns up to limit events with an id above after, oldest
// first, optionally only those of one action.
func (s *Store) AuditEvents(ctx context.Context, after int64, action string, limit int) ([]Event, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, at, action, actor, outcome, coalesce(call_id, ''),
		       coalesce(record_id::text, ''), coalesce(count, 0), detail
		FROM audit_events
		WHERE id > $1 AND ($2 = '' OR action = $2)
		ORDER BY id LIMIT $3`, after, action, limit)
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		err := r.Scan(&e.ID, &e.At, &e.Action, &e.Actor, &e.Outcome,
			&e.CallID, &e.RecordID, &e.Count, &e.Detail)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read audit events: %w", err)
	}
	return events, nil
}

func isNoRows(err error) bool {
	return errors.Is(err, pgx.ErrNoRows)
}
