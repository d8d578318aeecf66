package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/avrdata/avrdata/crypto"
)

// querier is what pgxpool.Pool, pgx.Conn and pgx.Tx have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// keysetStore keeps the sealed keysets and the key check value in the
// key_check and keysets tables.
type keysetStore struct {
	db querier
}

var _ crypto.KeysetStore = keysetStore{}

// LoadKeysets implements crypto.KeysetStore.
func (k keysetStore) LoadKeysets(ctx context.Context) (crypto.Sealed, error) {
	return loadSealed(ctx, k.db, "")
}

func loadSealed(ctx context.Context, q querier, lockClause string) (crypto.Sealed, error) {
	var s crypto.Sealed
	err := q.QueryRow(ctx, `SELECT value FROM key_check`+lockClause).Scan(&s.Check)
	if errors.Is(err, pgx.ErrNoRows) {
		return crypto.Sealed{}, crypto.ErrNoKeysets
	}
	if err != nil {
		return crypto.Sealed{}, fmt.Errorf("load key check: %w", err)
	}

	rows, _ := q.Query(ctx, `SELECT purpose, sealed FROM keysets`)
	s.Keysets = map[string][]byte{}
	var purpose string
	var sealed []byte
	_, err = pgx.ForEachRow(rows, []any{&purpose, &sealed}, func() error {
		s.Keysets[purpose] = sealed
		return nil
	})
	if err != nil {
		return crypto.Sealed{}, fmt.Errorf("load keysets: %w", err)
	}
	return s, nil
}

// CreateKeysets implements crypto.KeysetStore.
func (k keysetStore) CreateKeysets(ctx context.Context, s crypto.Sealed) error {
	return pgx.BeginFunc(ctx, k.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO key_check (value) VALUES ($1)
			ON CONFLICT DO NOTHING`, s.Check)
		if err != nil {
			return fmt.Errorf("create key check: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return crypto.ErrKeysetsExist
		}
		return writeKeysets(ctx, tx, s)
	})
}

// ReplaceKeysets implements crypto.KeysetStore: the key_check row is locked,
// so concurrent replacements are serialised and the loser sees
// ErrKeysetsChanged.
func (k keysetStore) ReplaceKeysets(ctx context.Context, old, next crypto.Sealed) error {
	return pgx.BeginFunc(ctx, k.db, func(tx pgx.Tx) error {
		current, err := loadSealed(ctx, tx, " FOR UPDATE")
		if err != nil {
			return err
		}
		if !current.Equal(old) {
			return crypto.ErrKeysetsChanged
		}
		_, err = tx.Exec(ctx, `UPDATE key_check SET value = $1, updated_at = now()`, next.Check)
		if err != nil {
			return fmt.Errorf("replace key check: %w", err)
		}
		return writeKeysets(ctx, tx, next)
	})
}

func writeKeysets(ctx context.Context, tx pgx.Tx, s crypto.Sealed) error {
	if _, err := tx.Exec(ctx, `DELETE FROM keysets`); err != nil {
		return fmt.Errorf("replace keysets: %w", err)
	}
	for purpose, sealed := range s.Keysets {
		_, err := tx.Exec(ctx, `INSERT INTO keysets (purpose, sealed) VALUES ($1, $2)`,
			purpose, sealed)
		if err != nil {
			return fmt.Errorf("write keyset %s: %w", purpose, err)
		}
	}
	return nil
}
