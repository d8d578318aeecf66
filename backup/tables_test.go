package backup

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/avrdata/avrdata/integration/testenv"
	"github.com/avrdata/avrdata/store"
)

// TestTablesCoverSchema fails when a migration adds or drops a table the
// backup does not know of: it must be added to tables, in its place.
func TestTablesCoverSchema(t *testing.T) {
	ctx := context.Background()
	pool, err := store.Connect(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := store.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}

	rows, _ := pool.Query(ctx, `SELECT tablename::text FROM pg_tables
		WHERE schemaname = current_schema() AND tablename <> $1 ORDER BY 1`, gooseTable)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(tables))
	if !slices.Equal(got, want) {
		t.Errorf("the schema has tables %q, the backup writes %q", got, want)
	}
}
