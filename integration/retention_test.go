package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/retention"
	"github.com/avrdata/avrdata/store"
	"github.com/avrdata/avrdata/store/storetest"
)

const day = 24 * time.Hour

// envValue returns the value of variable name in env (NAME=value items).
func envValue(env []string, name string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// withVars returns a cli like c whose environment also sets vars
// (NAME=value); later values win.
func (c *cli) withVars(vars ...string) *cli {
	d := *c
	d.env = append(slices.Clone(c.env), vars...)
	return &d
}

// libraryStore opens the store the cli's commands use (same database and
// key) in the test, under a retention period of days.
func libraryStore(t *testing.T, c *cli, days int) *store.Store {
	t.Helper()

	key, err := crypto.ParseRootKey("ENCRYPTION_KEY", envValue(c.env, "ENCRYPTION_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), c.dbURL, key,
		store.Options{RetentionDays: days, Actor: "test"})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// stored is a record put by a test and the content it holds.
type stored struct {
	rec  store.Record
	body []byte
}

// putAged stores a transcript of call created age ago, or a recording of
// size bytes when size is not zero.
func putAged(t *testing.T, s *store.Store, call string, age time.Duration, size int) stored {
	t.Helper()

	r, err := tryPut(s, call, age, size)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryPut is putAged for goroutines other than the test's: it returns its
// error.
func tryPut(s *store.Store, call string, age time.Duration, size int) (stored, error) {
	opts := store.PutOptions{CreatedAt: time.Now().Add(-age)}
	body := []byte(fmt.Sprintf("%s at -%v: %x", call, age, randomBytes(8)))
	put := s.PutTranscript
	if size > 0 {
		body, put = randomBytes(size), s.PutRecording
	}
	rec, err := put(context.Background(), call, bytes.NewReader(body), opts)
	if err != nil {
		return stored{}, fmt.Errorf("put for call %s: %w", call, err)
	}
	return stored{rec: rec, body: body}, nil
}

// idsOf returns the sorted record ids of recs.
func idsOf(recs ...[]stored) []string {
	var ids []string
	for _, list := range recs {
		for _, r := range list {
			ids = append(ids, r.rec.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// checkIntact reads every record of recs back and compares it with what
// was put.
func checkIntact(t *testing.T, s *store.Store, recs []stored) {
	t.Helper()

	want := make(map[string][]byte, len(recs))
	for _, r := range recs {
		want[r.rec.ID] = r.body
	}
	storetest.CheckReadBack(t, s, want)
}

// dryRunIDs runs "avrdata purge --dry-run" and returns the sorted ids it
// lists.
func dryRunIDs(c *cli) []string {
	c.t.Helper()

	var ids []string
	for i, line := range strings.Split(strings.TrimSpace(c.mustRun("purge", "--dry-run")), "\n") {
		if f := strings.Fields(line); i > 0 && len(f) > 0 {
			ids = append(ids, f[0])
		}
	}
	slices.Sort(ids)
	return ids
}

// TestPurgeWindowHoldAndDryRun: records created before the window go,
// newer ones stay, a held call stays until released; the dry run lists
// exactly what the pass then removes and removes nothing.
func TestPurgeWindowHoldAndDryRun(t *testing.T) {
	c := newCLI(t)
	s := libraryStore(t, c, 30)
	ctx := context.Background()

	var expired, fresh, held []stored
	for i := range 6 {
		expired = append(expired, putAged(t, s, fmt.Sprintf("old-%d", i%3), 40*day, 0))
	}
	expired = append(expired, putAged(t, s, "old-rec", 45*day, store.ChunkSize+100))
	expired = append(expired, putAged(t, s, "old-edge", 30*day+time.Hour, 0))
	for i := range 3 {
		fresh = append(fresh, putAged(t, s, fmt.Sprintf("new-%d", i), 29*day, 0))
	}
	fresh = append(fresh, putAged(t, s, "new-now", 0, 2*store.ChunkSize))
	held = append(held, putAged(t, s, "held", 100*day, 0), putAged(t, s, "held", 100*day, 5000))
	if err := s.Hold(ctx, "held", "litigation 2024-17"); err != nil {
		t.Fatalf("hold: %v", err)
	}

	dry := dryRunIDs(c)
	if got, want := storetest.IDs(t, s), idsOf(expired, fresh, held); !slices.Equal(got, want) {
		t.Fatalf("dry run removed records: %d left, want %d", len(got), len(want))
	}
	if want := idsOf(expired); !slices.Equal(dry, want) {
		t.Errorf("dry run listed %v, want the expired %v", dry, want)
	}

	out := c.mustRun("purge")
	if got, want := storetest.IDs(t, s), idsOf(fresh, held); !slices.Equal(got, want) {
		t.Errorf("after purge: got %v, want %v", got, want)
	}
	if !strings.Contains(out, fmt.Sprintf("purged %d records", len(expired))) {
		t.Errorf("purge printed %q, want %d records purged", out, len(expired))
	}
	checkGone(t, c, s, idsOf(expired), "old-0", "old-rec", "old-edge")
	checkIntact(t, s, append(slices.Clone(fresh), held...))

	if err := s.Release(ctx, "held"); err != nil {
		t.Fatalf("release: %v", err)
	}
	if got, want := dryRunIDs(c), idsOf(held); !slices.Equal(got, want) {
		t.Errorf("dry run after release: got %v, want the released %v", got, want)
	}
	c.mustRun("purge")
	if got, want := storetest.IDs(t, s), idsOf(fresh); !slices.Equal(got, want) {
		t.Errorf("after release and purge: got %v, want %v", got, want)
	}
	checkIntact(t, s, fresh)
}

// checkGone checks that records ids have no chunk left and calls are gone.
func checkGone(t *testing.T, c *cli, s *store.Store, ids []string, calls ...string) {
	t.Helper()

	var chunks int
	err := c.conn().QueryRow(context.Background(),
		`SELECT count(*) FROM record_chunks WHERE record_id = ANY($1::uuid[])`, ids).Scan(&chunks)
	if err != nil || chunks != 0 {
		t.Errorf("chunks of purged records: got %d, %v; want 0", chunks, err)
	}
	for _, call := range calls {
		if _, err := s.CallInfo(context.Background(), call); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("call %s after purge: got %v, want ErrNotFound", call, err)
		}
	}
}

// TestLowerRetentionPurgesMore lowers DATA_RETENTION_DAYS between passes:
// the next pass removes what the new period excludes.
func TestLowerRetentionPurgesMore(t *testing.T) {
	c := newCLI(t)
	s := libraryStore(t, c, 30)
	recent := putAged(t, s, "five", 5*day, 0)
	middle := putAged(t, s, "fifteen", 15*day, 0)
	putAged(t, s, "forty", 40*day, 0)

	steps := []struct {
		days string
		want []stored
	}{
		{"30", []stored{recent, middle}},
		{"10", []stored{recent}},
		{"10", []stored{recent}},
		{"3", nil},
	}
	for _, st := range steps {
		c.withVars("DATA_RETENTION_DAYS=" + st.days).mustRun("purge")
		if got, want := storetest.IDs(t, s), idsOf(st.want); !slices.Equal(got, want) {
			t.Errorf("after purge with DATA_RETENTION_DAYS=%s: got %v, want %v", st.days, got, want)
		}
	}
}

// TestConcurrentPurgesWithPuts runs three passes at once while puts go
// on: each expired record is removed by exactly one pass, no pass fails,
// and every fresh record reads back whole.
func TestConcurrentPurgesWithPuts(t *testing.T) {
	c := newCLI(t)
	s := libraryStore(t, c, 30)
	ctx := context.Background()
	const expiredCount = 600
	putParallel(t, 4, expiredCount, func(i int) error {
		_, err := tryPut(s, fmt.Sprintf("old-%d", i%150), 40*day, 0)
		return err
	})

	var mu sync.Mutex
	var fresh []stored
	stop := make(chan struct{})
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r, err := tryPut(s, fmt.Sprintf("live-%d-%d", w, i%20), time.Duration(i)*time.Minute, 0)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				fresh = append(fresh, r)
				mu.Unlock()
			}
		})
	}

	reports := make([]retention.Report, 3)
	errs := make([]error, 3)
	var passes sync.WaitGroup
	for i := range reports {
		p := retention.NewPurger(s, retention.Days(30), retention.Options{BatchSize: 25})
		passes.Go(func() { reports[i], errs[i] = p.Run(ctx) })
	}
	passes.Wait()
	close(stop)
	writers.Wait()

	var purged int64
	for i, rep := range reports {
		if errs[i] != nil {
			t.Errorf("pass %d: %v", i, errs[i])
		}
		purged += rep.Records
		t.Logf("pass %d: %d records purged in %d batches, %d skipped",
			i, rep.Records, rep.Batches, rep.Skipped)
	}
	if purged != expiredCount {
		t.Errorf("three passes purged %d records in all, want each of the %d expired once",
			purged, expiredCount)
	}
	if got, want := storetest.IDs(t, s), idsOf(fresh); !slices.Equal(got, want) {
		t.Errorf("after the passes: got %d records, want the %d fresh ones", len(got), len(want))
	}
	checkIntact(t, s, fresh)
}

// putParallel calls put(i) for i in [0, n) from workers goroutines, and
// fails t with the first error.
func putParallel(t testing.TB, workers, n int, put func(i int) error) {
	t.Helper()

	next := make(chan int)
	first := make(chan error, 1)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := put(i); err != nil {
					select {
					case first <- err:
					default:
					}
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(first)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}
