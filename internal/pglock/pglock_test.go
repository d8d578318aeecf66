package pglock

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/integration/testenv"
)

// newPool returns a pool on dbURL, closed at cleanup.
func newPool(t *testing.T, dbURL string) *pgxpool.Pool {
	t.Helper()

	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// tryLock calls TryLock and fails t on an error.
func tryLock(t *testing.T, pool *pgxpool.Pool, name string) (func(), bool) {
	t.Helper()

	unlock, ok, err := TryLock(context.Background(), pool, name)
	if err != nil {
		t.Fatalf("lock %s: %v", name, err)
	}
	return unlock, ok
}

// TestOneHolderAcrossProcesses plays two daemons: each has its own pool on
// the same database.
func TestOneHolderAcrossProcesses(t *testing.T) {
	dbURL := testenv.Postgres(t)
	first, second := newPool(t, dbURL), newPool(t, dbURL)

	unlock, ok := tryLock(t, first, "purge")
	if !ok {
		t.Fatal("first lock of purge: got not taken, want taken")
	}
	if _, ok := tryLock(t, second, "purge"); ok {
		t.Error("second lock of purge while held: got taken, want refused")
	}
	otherUnlock, ok := tryLock(t, second, "backup")
	if !ok {
		t.Error("lock of backup while purge is held: got refused, want taken")
	} else {
		otherUnlock()
	}

	unlock()
	again, ok := tryLock(t, second, "purge")
	if !ok {
		t.Fatal("lock of purge after unlock: got refused, want taken")
	}
	again()
}

// TestSameProcessRefused shows that two jobs of one process cannot hold
// the same lock either: each lock has a connection of its own.
func TestSameProcessRefused(t *testing.T) {
	pool := newPool(t, testenv.Postgres(t))

	unlock, ok := tryLock(t, pool, "purge")
	if !ok {
		t.Fatal("first lock: got refused, want taken")
	}
	defer unlock()
	if _, ok := tryLock(t, pool, "purge"); ok {
		t.Error("second lock on the same pool: got taken, want refused")
	}
}

// TestLostSessionReleases shows that a lock goes with its session, as when
// the process holding it is killed, and that unlock then still returns.
func TestLostSessionReleases(t *testing.T) {
	dbURL := testenv.Postgres(t)
	dying, other := newPool(t, dbURL), newPool(t, dbURL)

	unlockDead, ok := tryLock(t, dying, "drill")
	if !ok {
		t.Fatal("first lock: got refused, want taken")
	}
	var ended int
	err := other.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid, 10000))
		FROM pg_locks WHERE locktype = 'advisory' AND database =
		(SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&ended)
	if err != nil || ended != 1 {
		t.Fatalf("end the holder's session: got %d ended, %v; want 1", ended, err)
	}

	unlock, ok := tryLock(t, other, "drill")
	if !ok {
		t.Fatal("lock after the holder's session ended: got refused, want taken")
	}
	unlock()
	unlockDead()
}

func TestKeyDistinct(t *testing.T) {
	names := []string{"purge", "backup", "restore-drill", "backup-prune", ""}
	seen := map[int64]string{}
	for _, n := range names {
		k := Key(n)
		if prev, dup := seen[k]; dup {
			t.Errorf("Key(%q) = Key(%q) = %d", n, prev, k)
		}
		seen[k] = n
		if Key(n) != k {
			t.Errorf("Key(%q) is not stable", n)
		}
	}
}
