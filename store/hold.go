package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Hold describes a call's legal hold.
type Hold struct {
	CallID string
	Held   bool
	Reason string
	Since  time.Time
}

// Hold places call callID under legal hold: none of its records is purged
// or erased until Release. The reason is required and stored sealed.
// Holding a held call replaces the reason. It returns an error wrapping
// ErrNotFound for an unknown call.
func (s *Store) Hold(ctx context.Context, callID, reason string) error {
	if err := ValidateCallID(callID); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return errors.New("hold: a reason is required")
	}
	sealed, key, err := s.seal(holdRef(callID), []byte(reason))
	if err != nil {
		return err
	}

	tag, err := s.pool.Exec(ctx, `UPDATE calls SET held = true, hold_reason = $2,
		hold_reason_key = $3, held_at = now() WHERE id = $1`, callID, sealed, key)
	if err != nil {
		return fmt.Errorf("hold call %s: %w", callID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("hold call %s: %w", callID, ErrNotFound)
	}
	s.audit(ctx, Event{Action: "hold", Outcome: "ok", CallID: callID})
	return nil
}

// Release lifts the legal hold of call callID; its expired records go with
// the next purge. It returns an error wrapping ErrNotFound for an unknown
// call; releasing a call that is not held does nothing.
func (s *Store) Release(ctx context.Context, callID string) error {
	if err := ValidateCallID(callID); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE calls SET held = false, hold_reason = NULL,
		hold_reason_key = NULL, held_at = NULL WHERE id = $1`, callID)
	if err != nil {
		return fmt.Errorf("release call %s: %w", callID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("release call %s: %w", callID, ErrNotFound)
	}
	s.audit(ctx, Event{Action: "release", Outcome: "ok", CallID: callID})
	return nil
}

// HoldOf returns the hold state of call callID, with its reason decrypted,
// or an error wrapping ErrNotFound.
func (s *Store) HoldOf(ctx context.Context, callID string) (Hold, error) {
	if err := ValidateCallID(callID); err != nil {
		return Hold{}, err
	}
	h := Hold{CallID: callID}
	var sealed, key []byte
	var since *time.Time
	err := s.pool.QueryRow(ctx, `SELECT held, hold_reason, hold_reason_key, held_at
		FROM calls WHERE id = $1`, callID).Scan(&h.Held, &sealed, &key, &since)
	if isNoRows(err) {
		return Hold{}, fmt.Errorf("call %s: %w", callID, ErrNotFound)
	}
	if err != nil || !h.Held {
		return h, err
	}

	reason, err := s.open(ctx, holdRef(callID), sealed, key)
	h.Reason, h.Since = string(reason), since.UTC()
	return h, err
}
