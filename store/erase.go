package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Erasure reports what an erasure removed.
type Erasure struct {
	Deletion
	Erased []string // ids of the calls erased
	Held   []string // ids of the calls kept because they are under hold
}

// EraseCall deletes call callID with all its records and metadata now, and
// keeps a tombstone of its id so a restore of an older backup erases it
// again. A put in progress on the call is waited for and erased too.
//
// It returns an error wrapping ErrHeld when the call is under legal hold,
// and ErrNotFound when there is no such call.
func (s *Store) EraseCall(ctx context.Context, callID string) (Erasure, error) {
	if err := ValidateCallID(callID); err != nil {
		return Erasure{}, err
	}
	var e Erasure
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		d, err := eraseCall(ctx, tx, callID)
		e.Deletion = d
		return err
	})
	s.auditErasure(ctx, callID, e.Deletion, err)
	switch {
	case errors.Is(err, ErrHeld):
		e.Held = []string{callID}
		return e, fmt.Errorf("erase call %s: %w", callID, err)
	case err != nil:
		return Erasure{}, fmt.Errorf("erase call %s: %w", callID, err)
	}
	e.Erased = []string{callID}
	return e, nil
}

// eraseCall deletes one call in tx, after locking it against puts.
func eraseCall(ctx context.Context, tx pgx.Tx, callID string) (Deletion, error) {
	var held bool
	err := tx.QueryRow(ctx, `SELECT held FROM calls WHERE id = $1 FOR UPDATE`, callID).Scan(&held)
	if isNoRows(err) {
		return Deletion{}, ErrNotFound
	}
	if err != nil {
		return Deletion{}, err
	}
	if held {
		return Deletion{}, withHint(ErrHeld, `release the hold first ("avrdata release CALL") if the erasure is lawful`)
	}

	var ids []string
	rows, _ := tx.Query(ctx, `SELECT id::text FROM records WHERE call_id = $1`, callID)
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return Deletion{}, err
	}
	d, err := removeRecords(ctx, tx, ids, zeroTime)
	if err != nil {
		return d, err
	}
	return d, tombstone(ctx, tx, callID)
}

// tombstone deletes the call row (if removeRecords left it, as it does for a
// call that had no records) and remembers the erasure.
func tombstone(ctx context.Context, tx pgx.Tx, callID string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM calls WHERE id = $1`, callID); err != nil {
		return fmt.Errorf("delete call: %w", err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO erasures (call_id) VALUES ($1)
		ON CONFLICT (call_id) DO UPDATE SET erased_at = now()`, callID)
	if err != nil {
		return fmt.Errorf("record erasure: %w", err)
	}
	return nil
}

func (s *Store) auditErasure(ctx context.Context, callID string, d Deletion, err error) {
	e := Event{Action: "erase", Outcome: "ok", CallID: callID, Count: d.Records,
		Detail: map[string]any{"bytes": d.Bytes}}
	switch {
	case errors.Is(err, ErrHeld):
		e.Outcome = "refused: held"
	case errors.Is(err, ErrNotFound):
		e.Outcome = "not found"
	case err != nil:
		e.Outcome = "failed"
	}
	s.audit(ctx, e)
}

// EraseCaller erases every call whose caller number matches number, however
// it was written (spaces, dashes, dots, brackets, a leading 00 or +). Calls
// under hold are kept and listed in Erasure.Held, and the error then wraps
// ErrHeld. No call of the caller is not an error: Erasure is empty.
func (s *Store) EraseCaller(ctx context.Context, number string) (Erasure, error) {
	index, err := s.keys.BlindIndex(number)
	if err != nil {
		return Erasure{}, fmt.Errorf("erase caller: %w", err)
	}
	rows, _ := s.pool.Query(ctx, `SELECT id FROM calls WHERE caller_index = $1 ORDER BY id`, index)
	calls, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return Erasure{}, fmt.Errorf("find caller's calls: %w", err)
	}

	var total Erasure
	for _, id := range calls {
		e, err := s.EraseCall(ctx, id)
		total.Deletion = total.Deletion.Add(e.Deletion)
		total.Erased = append(total.Erased, e.Erased...)
		total.Held = append(total.Held, e.Held...)
		if err != nil && !errors.Is(err, ErrHeld) && !errors.Is(err, ErrNotFound) {
			return total, err
		}
	}
	if len(total.Held) > 0 {
		return total, fmt.Errorf("erase caller: %d calls kept: %w", len(total.Held), ErrHeld)
	}
	return total, nil
}
