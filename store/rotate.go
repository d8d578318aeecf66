package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/crypto"
)

// Rotation reports what a key rotation did.
type Rotation struct {
	PrimaryKeyID uint32 // the new primary key
	Rewrapped    int64  // data keys re-wrapped under it
	Unchanged    int64  // data keys already under it
}

// RotateKeys adds a new primary key to the record keyset; old keys stay and
// keep decrypting. With rewrap, every record's (and call's) data key is then
// re-wrapped under the new primary, without touching the encrypted data.
// Other processes pick the new key up when they first meet it.
func (s *Store) RotateKeys(ctx context.Context, rewrap bool) (Rotation, error) {
	ks := keysetStore{db: s.pool}
	err := s.keys.Rotate(ctx, ks)
	if errors.Is(err, crypto.ErrKeysetsChanged) {
		if err = s.keys.Reload(ctx, ks); err == nil {
			err = s.keys.Rotate(ctx, ks)
		}
	}
	rot := Rotation{PrimaryKeyID: s.keys.PrimaryKeyID()}
	s.auditRotation(ctx, "rotate", rot, err)
	if err != nil || !rewrap {
		return rot, err
	}

	err = s.rewrapAll(ctx, &rot)
	s.auditRotation(ctx, "rewrap", rot, err)
	return rot, err
}

func (s *Store) auditRotation(ctx context.Context, action string, rot Rotation, err error) {
	e := Event{Action: action, Outcome: "ok", Count: rot.Rewrapped,
		Detail: map[string]any{"primary_key_id": rot.PrimaryKeyID, "unchanged": rot.Unchanged}}
	if err != nil {
		e.Outcome = "failed"
	}
	s.audit(ctx, e)
}

// rewrapAll re-wraps the data keys of every record, call and hold reason.
func (s *Store) rewrapAll(ctx context.Context, rot *Rotation) error {
	err := s.eachStored(ctx, func(r storedRecord) error {
		return s.rewrapOne(ctx, rot, r.ref(), r.wrapped,
			`UPDATE records SET wrapped_key = $2 WHERE id = $1::uuid AND wrapped_key = $3`, r.ID)
	})
	if err != nil {
		return err
	}
	return s.rewrapCalls(ctx, rot)
}

func (s *Store) rewrapCalls(ctx context.Context, rot *Rotation) error {
	rows, _ := s.pool.Query(ctx, `SELECT id, meta_key, hold_reason_key FROM calls
		WHERE meta_key IS NOT NULL OR hold_reason_key IS NOT NULL`)
	type callKeys struct {
		id           string
		meta, reason []byte
	}
	calls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (callKeys, error) {
		var c callKeys
		return c, r.Scan(&c.id, &c.meta, &c.reason)
	})
	if err != nil {
		return fmt.Errorf("read call keys: %w", err)
	}
	for _, c := range calls {
		if c.meta != nil {
			err = s.rewrapOne(ctx, rot, callRef(c.id), c.meta,
				`UPDATE calls SET meta_key = $2 WHERE id = $1 AND meta_key = $3`, c.id)
		}
		if err == nil && c.reason != nil {
			err = s.rewrapOne(ctx, rot, holdRef(c.id), c.reason,
				`UPDATE calls SET hold_reason_key = $2 WHERE id = $1 AND hold_reason_key = $3`, c.id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// rewrapOne re-wraps one data key and stores it with update, which must
// only replace the key it was read with (so a concurrent change wins).
func (s *Store) rewrapOne(ctx context.Context, rot *Rotation, ref crypto.Ref, wrapped []byte, update, id string) error {
	s.knowKey(ctx, wrapped)
	next, changed, err := s.keys.Rewrap(ref, wrapped)
	if err != nil {
		return fmt.Errorf("re-wrap %s: %w", ref, err)
	}
	if !changed {
		rot.Unchanged++
		return nil
	}
	if _, err := s.pool.Exec(ctx, update, id, next, wrapped); err != nil {
		return fmt.Errorf("store re-wrapped key of %s: %w", ref, err)
	}
	rot.Rewrapped++
	return nil
}

// RotateRoot re-seals the keysets in the database of pool from the previous
// root key to the current one and recomputes the callers' blind indexes
// (they derive from the root key), in one transaction. Records are not
// touched. Afterwards the previous key is refused; processes still running
// with it must be restarted with the current one. Running it again after
// success changes nothing. actor names who rotates, for the audit event.
func RotateRoot(ctx context.Context, pool *pgxpool.Pool, previous, current crypto.RootKey, opts Options) error {
	if err := checkSchema(ctx, pool); err != nil {
		return err
	}
	var reindexed int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		keys, err := crypto.RotateRoot(ctx, keysetStore{db: tx}, previous, current)
		if err != nil {
			return err
		}
		reindexed, err = reindexCallers(ctx, tx, keys)
		return err
	})

	s := &Store{pool: pool, actor: opts.Actor, log: opts.Logger, events: opts.Events}
	if s.log == nil {
		s.log = discardLogger()
	}
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	if !errors.Is(err, crypto.ErrWrongKey) {
		s.audit(ctx, Event{Action: "rotate-root", Outcome: outcome, Count: reindexed})
	}
	return err
}

// reindexCallers recomputes every caller blind index with keys.
func reindexCallers(ctx context.Context, tx pgx.Tx, keys *crypto.Keyring) (int64, error) {
	s := &Store{keys: keys, log: discardLogger()}
	rows, _ := tx.Query(ctx, `SELECT id, meta, meta_key FROM calls WHERE caller_index IS NOT NULL`)
	type sealedCall struct {
		id        string
		meta, key []byte
	}
	calls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sealedCall, error) {
		var c sealedCall
		return c, r.Scan(&c.id, &c.meta, &c.key)
	})
	if err != nil {
		return 0, fmt.Errorf("read callers: %w", err)
	}
	for _, c := range calls {
		info, err := s.openCallInfo(ctx, c.id, c.meta, c.key)
		if err != nil {
			return 0, err
		}
		index, err := keys.BlindIndex(info.Caller)
		if err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE calls SET caller_index = $2 WHERE id = $1`, c.id, index); err != nil {
			return 0, fmt.Errorf("reindex caller of %s: %w", c.id, err)
		}
	}
	return int64(len(calls)), nil
}
