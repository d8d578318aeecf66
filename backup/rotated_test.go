package backup_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/backup/memdest"
	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

// rotated is a store backed up under one root key, then rotated to
// another: the situation of every backup made before keys rotate-root.
type rotated struct {
	live          *store.Store // open with current
	dest          backup.Destination
	want          map[string][]byte
	previous, cur crypto.RootKey
}

func newRotated(t *testing.T) rotated {
	t.Helper()

	ctx := context.Background()
	st, previous := newStore(t)
	want := putSome(t, st)
	dest := memdest.New()
	if _, err := backup.Backup(ctx, st, dest, backup.Options{}); err != nil {
		t.Fatalf("backup: %v", err)
	}

	cur := newKey(t)
	if err := store.RotateRoot(ctx, st.Pool(), previous, cur, store.Options{Actor: "test"}); err != nil {
		t.Fatalf("rotate root: %v", err)
	}
	live, err := store.New(ctx, st.Pool(), cur, store.Options{Actor: "test"})
	if err != nil {
		t.Fatalf("open rotated store: %v", err)
	}
	return rotated{live: live, dest: dest, want: want, previous: previous, cur: cur}
}

func newKey(t testing.TB) crypto.RootKey {
	t.Helper()

	s, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := crypto.ParseRootKey("ENCRYPTION_KEY", s)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestRestoreFromPreviousRoot restores a backup made before a root key
// rotation: refused without the previous key or with a wrong one, before
// the target is touched; with it, the restored keysets are re-sealed so
// that the current key reads every record and finds the caller.
func TestRestoreFromPreviousRoot(t *testing.T) {
	r := newRotated(t)
	ctx := context.Background()

	for name, previous := range map[string]crypto.RootKey{
		"no previous key": {}, "another previous key": newKey(t)} {
		target := newDatabase(t)
		_, err := backup.Restore(ctx, r.dest, backup.RestoreOptions{
			Root: r.cur, Previous: previous, Target: target, Verify: true})
		if !errors.Is(err, crypto.ErrWrongKey) {
			t.Errorf("%s: got %v, want the wrong-key error", name, err)
		}
		if _, err := store.New(ctx, target, r.cur, store.Options{}); !errors.Is(err, store.ErrNotMigrated) {
			t.Errorf("%s: target after the refused restore: got %v, want it untouched", name, err)
		}
	}

	target := newDatabase(t)
	rep, err := backup.Restore(ctx, r.dest, backup.RestoreOptions{
		Root: r.cur, Previous: r.previous, Target: target, Verify: true, Actor: "test"})
	if err != nil || !rep.OK() || !rep.ResealedFromPrevious {
		t.Fatalf("restore: got %v, failures %+v, resealed %v; want ok and resealed",
			err, rep.Failures, rep.ResealedFromPrevious)
	}
	checkRecords(t, target, r.cur, r.want)
	if _, err := store.New(ctx, target, r.previous, store.Options{}); !errors.Is(err, crypto.ErrWrongKey) {
		t.Errorf("restored store with the previous key: got %v, want it refused", err)
	}
	checkCallerFound(t, target, r.cur)
}

// checkCallerFound erases the caller of putSome's calls through the
// restored store: its blind index must be the current key's.
func checkCallerFound(t *testing.T, target *pgxpool.Pool, key crypto.RootKey) {
	t.Helper()

	st, err := store.New(context.Background(), target, key, store.Options{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := st.EraseCaller(context.Background(), "+44 20 7946 0000")
	if len(e.Erased) != 2 || len(e.Held) != 1 || !errors.Is(err, store.ErrHeld) {
		t.Errorf("erase the caller: got %d erased, %d held, %v; want 2 erased and call-b held",
			len(e.Erased), len(e.Held), err)
	}
}

// TestDrillFromPreviousRoot runs the daemon's drill after a root key
// rotation: it fails with the wrong key until Jobs.Previous is set.
func TestDrillFromPreviousRoot(t *testing.T) {
	r := newRotated(t)
	ctx := context.Background()

	tests := []struct {
		name     string
		previous crypto.RootKey
		wantErr  error
	}{
		{"without the previous key", crypto.RootKey{}, crypto.ErrWrongKey},
		{"with the previous key", r.previous, nil},
	}
	for _, tt := range tests {
		var rep backup.Report
		j := &backup.Jobs{Store: r.live, Dest: r.dest, Root: r.cur, Previous: tt.previous,
			OnDrill: func(got backup.Report, _ error) { rep = got }}
		err := j.RunDrill(ctx)
		if !errors.Is(err, tt.wantErr) || (err == nil) != rep.ResealedFromPrevious {
			t.Errorf("%s: got %v, resealed %v; want %v", tt.name, err, rep.ResealedFromPrevious, tt.wantErr)
		}
		if err == nil && (rep.Verified == nil || rep.Verified.Records != int64(len(r.want))) {
			t.Errorf("%s: verified %+v, want %d records", tt.name, rep.Verified, len(r.want))
		}
	}
}
