package backup_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/backup/memdest"
	"github.com/avrdata/avrdata/internal/pglock"
)

// TestDrillDropsStale leaves scratch databases as killed drills would,
// and one as a drill still running would, then drills: only the killed
// drills' databases of this live database go, and the drill's own is
// dropped too.
func TestDrillDropsStale(t *testing.T) {
	ctx := context.Background()
	st, key := newStore(t)
	putSome(t, st)
	dest := memdest.New()
	if _, err := backup.Backup(ctx, st, dest, backup.Options{}); err != nil {
		t.Fatal(err)
	}

	live := st.Pool()
	var oid uint32
	if err := live.QueryRow(ctx, `SELECT oid FROM pg_database WHERE datname = current_database()`).Scan(&oid); err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("avrdata_drill_%d_", oid)
	killed := []string{prefix + "00000000000a", prefix + "00000000000b"}
	running := prefix + "00000000000c"
	others := "avrdata_drill_1_00000000000d" // a drill of another live database
	for _, name := range append(slices.Clone(killed), running, others) {
		createDatabase(t, live, name)
	}
	unlock, ok, err := pglock.TryLock(ctx, live, "drill database "+running)
	if err != nil || !ok {
		t.Fatalf("lock %s: %v %v", running, ok, err)
	}
	defer unlock()

	rep, err := backup.Drill(ctx, dest, backup.DrillOptions{Live: live, Audit: st,
		RestoreOptions: backup.RestoreOptions{Root: key, Verify: true}})
	if err != nil || !rep.OK() {
		t.Fatalf("drill: %v %+v", err, rep.Failures)
	}
	if got := slices.Sorted(slices.Values(rep.StaleDropped)); !slices.Equal(got, killed) {
		t.Errorf("StaleDropped = %q, want %q", rep.StaleDropped, killed)
	}
	want := []string{others, running}
	slices.Sort(want)
	if got := drillDatabases(t, live, prefix, others); !slices.Equal(got, want) {
		t.Errorf("after the drill the server has drill databases %q, want %q", got, want)
	}
}

func createDatabase(t *testing.T, pool *pgxpool.Pool, name string) {
	t.Helper()

	if _, err := pool.Exec(context.Background(), `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Exec(context.Background(), `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize())
	})
}

// drillDatabases returns the names of the server's databases that start
// with prefix or are named other, sorted; drills of other tests may run
// beside.
func drillDatabases(t *testing.T, pool *pgxpool.Pool, prefix, other string) []string {
	t.Helper()

	rows, _ := pool.Query(context.Background(), `SELECT datname FROM pg_database
		WHERE starts_with(datname, $1) OR datname = $2`, prefix, other)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}
