// Package pglock runs a periodic job on one of several processes that share
// a PostgreSQL database, with session-level advisory locks.
//
// A lock is held by one pooled connection for as long as the job runs, so
// it ends with that session: a process that dies (even killed with SIGKILL)
// releases its locks when PostgreSQL notices the connection is gone, and
// another process can take the job over.
package pglock

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// unlockTimeout bounds the unlock statement; past it the connection is
// closed instead, which releases the lock as well.
const unlockTimeout = 10 * time.Second

// TryLock tries to take the advisory lock named name without waiting. When
// another session holds it, it returns ok false and no error. When it gets
// the lock, it returns ok true and unlock, which the caller must call once
// the job ends; until then the lock holds one connection of pool.
//
// unlock always releases the lock: if the unlock statement fails, it closes
// the connection, which ends the session and its locks. An error is
// returned only when no connection could be had or the query failed.
func TryLock(ctx context.Context, pool *pgxpool.Pool, name string) (
	unlock func(), ok bool, err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}

	key := Key(name)
	err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok)
	if err != nil || !ok {
		conn.Release()
		if err != nil {
			return nil, false, fmt.Errorf("lock %s: %w", name, err)
		}
		return nil, false, nil
	}
	return func() { release(conn, key) }, true, nil
}

// release unlocks key and gives the connection back to the pool, or closes
// it when unlocking fails (a closed connection is dropped from the pool).
func release(conn *pgxpool.Conn, key int64) {
	ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
	defer cancel()

	var released bool
	err := conn.QueryRow(ctx, `SELECT pg_advisory_unlock($1)`, key).Scan(&released)
	if err != nil || !released {
		conn.Conn().Close(ctx)
	}
	conn.Release()
}

// Key returns the 64-bit advisory lock key of name: the first eight bytes
// of SHA-256("avrdata:" + name). The prefix keeps the keys of avrdata's
// jobs apart from other users of advisory locks in the same database.
func Key(name string) int64 {
	sum := sha256.Sum256([]byte("avrdata:" + name))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}
