package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/avrdata/avrdata/crypto"
)

// CallInfo is a call's metadata. It is stored sealed; the caller number is
// also kept as a keyed blind index so that EraseCaller can find the call.
type CallInfo struct {
	Caller   string `json:"caller,omitempty"`    // caller number, as Asterisk gives it
	Callee   string `json:"callee,omitempty"`    // dialled number or extension
	UniqueID string `json:"unique_id,omitempty"` // Asterisk UNIQUEID
	AgentID  string `json:"agent_id,omitempty"`  // the AI agent that answered
}

func callRef(callID string) crypto.Ref { return crypto.Ref{Kind: "call", ID: callID} }

// claimCall creates the call row if needed and takes a KEY SHARE lock on it
// for the rest of tx. The lock lets other puts to the same call go on, and
// makes a concurrent purge skip the call instead of deleting it under the
// put; an erasure waits until the put commits, then erases it too.
func claimCall(ctx context.Context, tx pgx.Tx, callID string, createdAt time.Time) error {
	for range 3 {
		_, err := tx.Exec(ctx, `INSERT INTO calls (id, created_at) VALUES ($1, $2)
			ON CONFLICT (id) DO NOTHING`, callID, createdAt)
		if err != nil {
			return fmt.Errorf("create call %s: %w", callID, err)
		}
		var one int
		err = tx.QueryRow(ctx, `SELECT 1 FROM calls WHERE id = $1 FOR KEY SHARE`, callID).Scan(&one)
		if err == nil {
			return nil
		}
		if !isNoRows(err) {
			return fmt.Errorf("lock call %s: %w", callID, err)
		}
		// Erased between the two statements: create it again.
	}
	return fmt.Errorf("create call %s: deleted concurrently, try again", callID)
}

// setCallInfo seals info into the call's row, with the caller's blind index.
func (s *Store) setCallInfo(ctx context.Context, tx pgx.Tx, callID string, info CallInfo) error {
	plain, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("encode call info: %w", err)
	}
	sealed, key, err := s.keys.Seal(callRef(callID), plain)
	if err != nil {
		return fmt.Errorf("seal call info: %w", err)
	}

	var index []byte
	if info.Caller != "" {
		if index, err = s.keys.BlindIndex(info.Caller); err != nil {
			return fmt.Errorf("caller of call %s: %w", callID, err)
		}
	}
	_, err = tx.Exec(ctx, `UPDATE calls SET meta = $2, meta_key = $3, caller_index = $4
		WHERE id = $1`, callID, sealed, key, index)
	if err != nil {
		return fmt.Errorf("store call info: %w", err)
	}
	return nil
}

// CallInfo returns the metadata of a call (empty when none was given), or
// an error wrapping ErrNotFound.
func (s *Store) CallInfo(ctx context.Context, callID string) (CallInfo, error) {
	if err := ValidateCallID(callID); err != nil {
		return CallInfo{}, err
	}
	var sealed, key []byte
	err := s.pool.QueryRow(ctx, `SELECT meta, meta_key FROM calls WHERE id = $1`, callID).
		Scan(&sealed, &key)
	if isNoRows(err) {
		return CallInfo{}, fmt.Errorf("call %s: %w", callID, ErrNotFound)
	}
	if err != nil {
		return CallInfo{}, fmt.Errorf("read call %s: %w", callID, err)
	}
	return s.openCallInfo(ctx, callID, sealed, key)
}

func (s *Store) openCallInfo(ctx context.Context, callID string, sealed, key []byte) (CallInfo, error) {
	var info CallInfo
	if sealed == nil {
		return info, nil
	}
	plain, err := s.open(ctx, callRef(callID), sealed, key)
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(plain, &info); err != nil {
		return info, fmt.Errorf("decode call info of %s: %w", callID, err)
	}
	return info, nil
}

func holdRef(callID string) crypto.Ref { return crypto.Ref{Kind: "hold", ID: callID} }
