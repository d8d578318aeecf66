package store

import (
	"context"
	"errors"
	"testing"
)

func TestMigrateTo(t *testing.T) {
	ctx := context.Background()
	pool, err := Connect(ctx, testDBURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	_, latest, err := SchemaVersion(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}

	for _, version := range []int64{latest, latest, 0, 0, latest} {
		if _, err := MigrateTo(ctx, pool, version); err != nil {
			t.Fatalf("migrate to %d: %v", version, err)
		}
		current, _, err := SchemaVersion(ctx, pool)
		var tables int
		pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables
			WHERE schemaname = 'public' AND tablename = 'records'`).Scan(&tables)
		if err != nil || current != version || (tables == 1) != (version > 0) {
			t.Errorf("after migrating to %d: at %d (%v), records table %d", version, current, err, tables)
		}
	}

	if _, err := MigrateTo(ctx, pool, latest+1); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("migrate to %d: got %v, want ErrSchemaTooNew", latest+1, err)
	}
}
