package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/backup/s3dest"
	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/integration/testenv"
	"github.com/avrdata/avrdata/store"
)

// libStore returns a store on a fresh, migrated database, and its key.
func libStore(t *testing.T) (*store.Store, crypto.RootKey) {
	t.Helper()

	ctx := context.Background()
	s, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	key, _ := crypto.ParseRootKey("ENCRYPTION_KEY", s)
	pool := libPool(t, testenv.Postgres(t))
	if _, err := store.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	st, err := store.New(ctx, pool, key, store.Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return st, key
}

func libPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()

	pool, err := store.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// s3Dest returns a destination in a fresh bucket, with small parts so
// that objects go up in several.
func s3Dest(t *testing.T) backup.Destination {
	b := testenv.S3(t)
	return s3dest.New(b.Client(), b.Bucket, "backups", s3dest.Options{PartSize: 5 << 20})
}

// TestBackupUnderLoad takes a backup to S3 while puts and purges go on:
// the restore must verify, and every table must hold what the manifest
// counted. When the chunks start streaming, one more record is purged and
// one put, in the middle of the snapshot: the restore must hold the first
// whole and not the second.
func TestBackupUnderLoad(t *testing.T) {
	ctx := context.Background()
	st, key := libStore(t)
	var old []string
	for i := range 40 {
		data := bytes.NewReader(randomBytes(300<<10 + i))
		rec, err := st.PutRecording(ctx, fmt.Sprintf("old-%d", i), data, store.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, rec.ID)
	}
	dest := s3Dest(t)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() { errs <- keepPutting(ctx, st, stop) })
	wg.Go(func() { errs <- keepPurging(ctx, st, old[1:], stop) })
	var during string
	res, err := backup.Backup(ctx, st, dest, backup.Options{Progress: func(p backup.Progress) {
		if p.Object == "record_chunks" && during == "" {
			during = changeDuring(t, st, old[0])
		}
	}})
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		if e != nil {
			t.Fatalf("load: %v", e)
		}
	}
	if err != nil {
		t.Fatalf("backup: %v", err)
	}

	target := libPool(t, testenv.Postgres(t))
	rep, err := backup.Restore(ctx, dest, backup.RestoreOptions{Root: key, Target: target, Verify: true})
	if err != nil || !rep.OK() {
		t.Fatalf("restore: %v, failures %+v", err, rep.Failures)
	}
	for _, table := range []string{"calls", "records", "record_chunks", "erasures"} {
		if got, want := rowCount(t, target, table), res.Manifest.Rows(table); got != want {
			t.Errorf("table %s: restored %d rows, manifest says %d", table, got, want)
		}
	}
	for id, want := range map[string]int64{old[0]: 1, during: 0} {
		if got := count(t, target, `SELECT count(*) FROM records WHERE id = $1`, id); got != want {
			t.Errorf("record %s: restored %d times, want %d", id, got, want)
		}
	}
}

// changeDuring purges record id and puts a new one, and returns the new
// one's id.
func changeDuring(t *testing.T, st *store.Store, id string) string {
	ctx := context.Background()
	if d, err := st.Purge(ctx, []string{id}, time.Now()); err != nil || d.Records != 1 {
		t.Errorf("purge during the backup: got %+v, %v", d, err)
	}
	rec, err := st.PutRecording(ctx, "during", bytes.NewReader(randomBytes(2<<20)), store.PutOptions{})
	if err != nil {
		t.Errorf("put during the backup: %v", err)
	}
	return rec.ID
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int64 {
	t.Helper()

	var n int64
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// keepPutting puts recordings until stop is closed.
func keepPutting(ctx context.Context, st *store.Store, stop <-chan struct{}) error {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		data := bytes.NewReader(randomBytes(1<<20 + i))
		_, err := st.PutRecording(ctx, fmt.Sprintf("new-%d", i%7), data, store.PutOptions{})
		if err != nil {
			return err
		}
	}
}

// keepPurging deletes the records ids one by one until stop is closed.
func keepPurging(ctx context.Context, st *store.Store, ids []string, stop <-chan struct{}) error {
	for _, id := range ids {
		select {
		case <-stop:
			return nil
		case <-time.After(5 * time.Millisecond):
		}
		if _, err := st.Purge(ctx, []string{id}, time.Now()); err != nil {
			return err
		}
	}
	return nil
}

func rowCount(t *testing.T, pool *pgxpool.Pool, table string) int64 {
	t.Helper()
	return count(t, pool, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize())
}

// TestBackupCancelledS3 cancels a backup to S3 in the middle of the
// record chunks: no backup is listed, the next one completes, and a prune
// removes what the cancelled one stored.
func TestBackupCancelledS3(t *testing.T) {
	ctx := context.Background()
	st, _ := libStore(t)
	for i := range 3 {
		data := bytes.NewReader(randomBytes(4<<20 + i))
		if _, err := st.PutRecording(ctx, "call", data, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	dest := s3Dest(t)

	cctx, cancel := context.WithCancel(ctx)
	_, err := backup.Backup(cctx, st, dest, backup.Options{Progress: func(p backup.Progress) {
		if p.Object == "record_chunks" && p.Done > 0 {
			cancel()
		}
	}})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled backup: got %v, want context.Canceled", err)
	}
	if backups, _ := backup.List(ctx, dest); len(backups) != 0 {
		t.Fatalf("after the cancel %d backups are listed, want none", len(backups))
	}

	res, err := backup.Backup(ctx, st, dest, backup.Options{})
	if err != nil {
		t.Fatalf("next backup: %v", err)
	}
	pr, err := backup.Prune(ctx, dest, backup.PruneOptions{Retention: 24 * time.Hour, Audit: st})
	if err != nil || pr.Debris != 1 || pr.Backups != 0 {
		t.Errorf("prune: got %+v, %v; want the one cancelled run removed", pr, err)
	}
	objects, err := dest.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objects {
		if !bytes.HasPrefix([]byte(o.Name), []byte(res.ID+"/")) {
			t.Errorf("after prune %s is left", o.Name)
		}
	}
}
