package backup_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/backup/memdest"
)

// pendingDest is a memdest.Dest that also holds unfinished uploads, as an
// S3 bucket holds those of killed processes.
type pendingDest struct {
	*memdest.Dest
	mu      sync.Mutex
	uploads []backup.PendingUpload
	aborted []string // names, in the order aborted
	err     error    // returned by Pending when set
}

func (d *pendingDest) Pending(ctx context.Context, prefix string) ([]backup.PendingUpload, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return nil, d.err
	}
	var out []backup.PendingUpload
	for _, u := range d.uploads {
		if strings.HasPrefix(u.Name, prefix) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (d *pendingDest) AbortPending(ctx context.Context, u backup.PendingUpload) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.uploads = slices.DeleteFunc(d.uploads, func(p backup.PendingUpload) bool {
		return p.ID == u.ID
	})
	d.aborted = append(d.aborted, u.Name)
	return nil
}

func (d *pendingDest) names() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, u := range d.uploads {
		out = append(out, u.Name)
	}
	return out
}

// TestPrunePending prunes runs with unfinished uploads. Prune judges at
// now, two hours after the objects were stored.
func TestPrunePending(t *testing.T) {
	now := time.Now().Add(2 * time.Hour)
	id := func(age time.Duration, suffix string) string {
		return now.Add(-age).UTC().Format("20060102T150405.000Z") + "-" + suffix
	}
	running := id(10*time.Minute, "0000000c")  // only a fresh upload
	writing := id(150*time.Minute, "0000000f") // an old object, a fresh upload
	crashed := id(165*time.Minute, "0000000b") // only an old upload
	newest := id(3*time.Hour, "0000000a")      // complete, with two stray uploads
	old := id(40*24*time.Hour, "0000000e")     // complete, past retention

	dest := &pendingDest{Dest: memdest.New()}
	for _, name := range []string{writing + "/records.0000",
		newest + "/records.0000", newest + "/manifest.json",
		old + "/records.0000", old + "/manifest.json"} {
		putString(t, dest, name, "0123456789")
	}
	upload := func(name string, idle time.Duration) {
		dest.uploads = append(dest.uploads, backup.PendingUpload{Name: name, ID: "up-" + name,
			Started: now.Add(-idle - time.Minute), LastWrite: now.Add(-idle), Size: 5 << 20})
	}
	upload(running+"/records.0000", time.Minute)
	upload(writing+"/records.0001", 5*time.Minute)
	upload(crashed+"/records.0000", 160*time.Minute)
	upload(newest+"/records.0001", 90*time.Minute)
	upload(newest+"/records.0002", 10*time.Minute)
	upload(old+"/records.0001", 39*24*time.Hour)
	upload("tombstones/20260101T000000Z_call-1", 100*24*time.Hour)
	opts := backup.PruneOptions{Retention: 30 * 24 * time.Hour, Now: now}

	wantRemoved := []string{crashed, old}
	wantAborted := []string{crashed + "/records.0000", newest + "/records.0001", old + "/records.0001"}
	slices.Sort(wantAborted)
	wantLeft := []string{running + "/records.0000", writing + "/records.0001",
		newest + "/records.0002", "tombstones/20260101T000000Z_call-1"}

	opts.DryRun = true
	res, err := backup.Prune(context.Background(), dest, opts)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	checkDecisions(t, res, []string{running, writing, crashed, newest, old}, wantRemoved, wantAborted)
	if len(dest.aborted) != 0 || res.Uploads != 0 || len(dest.names()) != 7 {
		t.Errorf("dry run: aborted %q, counted %d, %d uploads left; want none aborted, 7 left",
			dest.aborted, res.Uploads, len(dest.names()))
	}

	opts.DryRun = false
	res, err = backup.Prune(context.Background(), dest, opts)
	if err != nil {
		t.Fatalf("prune: %v", err)
	}
	checkDecisions(t, res, []string{running, writing, crashed, newest, old}, wantRemoved, wantAborted)
	slices.Sort(dest.aborted)
	if !slices.Equal(dest.aborted, wantAborted) || !slices.Equal(dest.names(), wantLeft) {
		t.Errorf("got %q aborted, %q left; want %q aborted, %q left",
			dest.aborted, dest.names(), wantAborted, wantLeft)
	}
	if res.Backups != 1 || res.Debris != 1 || res.Objects != 2 || res.Uploads != 3 ||
		res.Bytes != 20+3*(5<<20) {
		t.Errorf("got %+v; want 1 backup, 1 run, 2 objects, 3 uploads, %d bytes", res, 20+3*(5<<20))
	}
	if got := list(t, dest, newest+"/"); len(got) != 2 {
		t.Errorf("newest backup holds %q after prune, want its 2 objects", got)
	}
}

// checkDecisions checks that res has a decision per run in ids, removes
// the runs in removed and aborts the uploads named in aborted.
func checkDecisions(t *testing.T, res backup.PruneResult, ids, removed, aborted []string) {
	t.Helper()

	var gotIDs, gotRemoved, gotAborted []string
	for _, d := range res.Decisions {
		gotIDs = append(gotIDs, d.ID)
		if d.Remove {
			gotRemoved = append(gotRemoved, d.ID)
		}
		for _, u := range d.Abort {
			gotAborted = append(gotAborted, u.Name)
		}
	}
	slices.Sort(gotAborted)
	if !slices.Equal(gotIDs, ids) || !slices.Equal(gotRemoved, removed) ||
		!slices.Equal(gotAborted, aborted) {
		t.Errorf("decisions for %q remove %q and abort %q; want for %q, remove %q, abort %q",
			gotIDs, gotRemoved, gotAborted, ids, removed, aborted)
	}
}

// TestPrunePendingUnlisted checks that a prune that cannot list
// unfinished uploads still removes expired complete backups, keeps every
// incomplete run (one may still be uploading), and says why.
func TestPrunePendingUnlisted(t *testing.T) {
	crashed := "20200101T000000.000Z-0000000a"
	expired := "20200102T000000.000Z-0000000b"
	newest := "20200103T000000.000Z-0000000c"
	dest := &pendingDest{Dest: memdest.New(), err: errors.New("access denied")}
	for _, name := range []string{crashed + "/records.0000",
		expired + "/records.0000", expired + "/manifest.json",
		newest + "/records.0000", newest + "/manifest.json"} {
		putString(t, dest, name, "x")
	}

	res, err := backup.Prune(context.Background(), dest, backup.PruneOptions{Retention: time.Hour})
	if err != nil {
		t.Fatalf("prune: %v", err)
	}
	if res.UploadsUnlisted == nil || !strings.Contains(res.UploadsUnlisted.Error(), "access denied") {
		t.Errorf("UploadsUnlisted = %v, want the listing error", res.UploadsUnlisted)
	}
	checkDecisions(t, res, []string{newest, expired, crashed}, []string{expired}, nil)
	want := []string{crashed + "/records.0000", newest + "/manifest.json", newest + "/records.0000"}
	if got := list(t, dest, ""); !slices.Equal(got, want) {
		t.Errorf("after prune %q are left, want %q", got, want)
	}
}

func putString(t *testing.T, dest backup.Destination, name, s string) {
	t.Helper()

	if err := dest.Put(context.Background(), name, strings.NewReader(s)); err != nil {
		t.Fatal(err)
	}
}
