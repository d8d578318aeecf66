package backup_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/backup/backuptest"
	"github.com/avrdata/avrdata/backup/memdest"
	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/integration/testenv"
	"github.com/avrdata/avrdata/store"
	"github.com/avrdata/avrdata/store/storetest"
)

// newStore returns a store on a fresh, migrated database, and its key.
func newStore(t testing.TB) (*store.Store, crypto.RootKey) {
	t.Helper()

	s, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	key, _ := crypto.ParseRootKey("ENCRYPTION_KEY", s)
	pool := newDatabase(t)
	if _, err := store.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	st, err := store.New(context.Background(), pool, key, store.Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return st, key
}

// newDatabase returns a pool on a fresh, empty database.
func newDatabase(t testing.TB) *pgxpool.Pool {
	t.Helper()

	pool, err := store.Connect(context.Background(), testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// putSome stores recordings and transcripts on a few calls, one held,
// and returns their content by record id.
func putSome(t testing.TB, st *store.Store) map[string][]byte {
	t.Helper()

	ctx := context.Background()
	want := map[string][]byte{}
	for i, size := range []int{3<<20 + 17, 0, 1 << 20} {
		data := backuptest.Bytes(uint64(i), size)
		rec, err := st.PutRecording(ctx, "call-"+string(rune('a'+i)), bytes.NewReader(data),
			store.PutOptions{Call: &store.CallInfo{Caller: "+44 20 7946 0000"}})
		if err != nil {
			t.Fatal(err)
		}
		want[rec.ID] = data
	}
	text := []byte("agent: hello, how can I help?\ncaller: my meter reads 4711")
	rec, err := st.PutTranscript(ctx, "call-a", bytes.NewReader(text), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want[rec.ID] = text
	if err := st.Hold(ctx, "call-b", "litigation 2026-17"); err != nil {
		t.Fatal(err)
	}
	return want
}

// TestBackupRestore restores a backup split into many objects and reads
// every record back, byte for byte.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	st, key := newStore(t)
	want := putSome(t, st)
	dest := memdest.New()
	var lastEvent int64
	st.Pool().QueryRow(ctx, `SELECT max(id) FROM audit_events`).Scan(&lastEvent)

	res, err := backup.Backup(ctx, st, dest, backup.Options{PartLimit: 1 << 20})
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if n := objectsOf(res.Manifest, "record_chunks"); n < 4 {
		t.Errorf("record_chunks in %d objects, want at least 4 with a 1 MiB part limit", n)
	}

	target := newDatabase(t)
	rep, err := backup.Restore(ctx, dest, backup.RestoreOptions{Root: key, Target: target, Verify: true})
	if err != nil || !rep.OK() {
		t.Fatalf("restore: %v; failures %+v", err, rep.Failures)
	}
	if rep.Verified == nil || rep.Verified.Records != int64(len(want)) || rep.Verified.Calls != 3 {
		t.Errorf("verified %+v, want %d records and 3 calls", rep.Verified, len(want))
	}
	checkRecords(t, target, key, want)
	checkTables(t, st.Pool(), target, lastEvent)
}

func objectsOf(m backup.Manifest, table string) int {
	for _, t := range m.Tables {
		if t.Name == table {
			return len(t.Objects)
		}
	}
	return 0
}

// checkRecords opens a store on pool and reads every record of want.
func checkRecords(t *testing.T, pool *pgxpool.Pool, key crypto.RootKey, want map[string][]byte) {
	t.Helper()

	ctx := context.Background()
	st, err := store.New(ctx, pool, key, store.Options{})
	if err != nil {
		t.Fatalf("open restored store: %v", err)
	}
	storetest.CheckReadBack(t, st, want)
	if hold, err := st.HoldOf(ctx, "call-b"); err != nil || hold.Reason != "litigation 2026-17" {
		t.Errorf("hold of call-b: got %+v, %v", hold, err)
	}
}

// checkTables compares every table of the two databases row by row; the
// audit trail only up to event last, the last before the backup.
func checkTables(t *testing.T, source, target *pgxpool.Pool, last int64) {
	t.Helper()

	for _, table := range []string{"key_check", "keysets", "settings", "calls", "erasures",
		"records", "record_chunks", "audit_events"} {
		where := ""
		if table == "audit_events" {
			where = " WHERE id <= $1"
		}
		if got, want := digest(t, target, table, where, last), digest(t, source, table, where, last); got != want {
			t.Errorf("table %s: restored %s, source %s", table, got, want)
		}
	}
}

func digest(t *testing.T, pool *pgxpool.Pool, table, where string, last int64) string {
	t.Helper()

	var n int64
	var sum string
	args := []any{}
	if where != "" {
		args = append(args, last)
	}
	err := pool.QueryRow(context.Background(), `SELECT count(*),
		coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '')
		FROM `+pgx.Identifier{table}.Sanitize()+` t`+where, args...).Scan(&n, &sum)
	if err != nil {
		t.Fatalf("digest %s: %v", table, err)
	}
	return fmt.Sprintf("%d rows, md5 %s", n, sum)
}

// TestCancelledBackup cancels a backup in the middle of the chunks: it
// must not be listed, the next backup must succeed, and a prune must
// remove what the cancelled one left.
func TestCancelledBackup(t *testing.T) {
	st, _ := newStore(t)
	putSome(t, st)
	dest := memdest.New()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := backup.Backup(ctx, st, dest, backup.Options{PartLimit: 1 << 20,
		Progress: func(p backup.Progress) {
			if p.Object == "record_chunks" && p.Done > 0 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	debris := list(t, dest, "")
	if len(debris) == 0 {
		t.Fatal("the cancelled backup stored nothing; want objects before record_chunks")
	}

	ok, err := backup.Backup(context.Background(), st, dest, backup.Options{})
	if err != nil {
		t.Fatalf("next backup: %v", err)
	}
	backups, err := backup.List(context.Background(), dest)
	if err != nil || len(backups) != 1 || backups[0].ID != ok.ID {
		t.Fatalf("list: got %+v, %v; want only %s", backups, err, ok.ID)
	}

	res, err := backup.Prune(context.Background(), dest, backup.PruneOptions{Retention: 24 * time.Hour})
	if err != nil || res.Debris != 1 || res.Objects != len(debris) {
		t.Fatalf("prune: got %+v, %v; want 1 run of %d objects removed", res, err, len(debris))
	}
	for _, name := range list(t, dest, "") {
		if !strings.HasPrefix(name, ok.ID+"/") {
			t.Errorf("after prune %s is left", name)
		}
	}
}

func list(t *testing.T, dest backup.Destination, prefix string) []string {
	t.Helper()

	objects, err := dest.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objects {
		names = append(names, o.Name)
	}
	return names
}
