package retention_test

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/integration/testenv"
	"github.com/avrdata/avrdata/retention"
	"github.com/avrdata/avrdata/store"
)

var benchRecords = flag.Int("purge-records", 100000,
	"expired records BenchmarkPurge sets up (go test ./retention -bench Purge -purge-records N)")

// BenchmarkPurge measures a retention pass over -purge-records expired
// transcripts (four a call) against one plain DELETE of the same rows, and
// the latency of puts during the pass against puts on an idle store.
//
// The records are put once through the store into a template database;
// each iteration purges one copy of it and deletes from another (CREATE
// DATABASE ... TEMPLATE), so both start from the same rows. ns/op is the
// pass alone.
func BenchmarkPurge(b *testing.B) {
	admin := testenv.PostgresServer(b)
	key := benchKey(b)
	template := newDatabase(b, admin, "")
	fillTemplate(b, template, key, *benchRecords)

	var m purgeMetrics
	b.ResetTimer()
	for b.Loop() {
		m.add(purgeOnce(b, admin, template, key))
	}
	m.report(b)
}

// purgeMetrics accumulates the iterations of BenchmarkPurge.
type purgeMetrics struct {
	purgeRows, deleteRows float64 // rows a second
	idle, during          []time.Duration
	runs                  int
}

// purgeResult is one iteration.
type purgeResult struct {
	purgeRows, deleteRows float64
	idle, during          []time.Duration
}

func (m *purgeMetrics) add(r purgeResult) {
	m.purgeRows += r.purgeRows
	m.deleteRows += r.deleteRows
	m.idle = append(m.idle, r.idle...)
	m.during = append(m.during, r.during...)
	m.runs++
}

func (m *purgeMetrics) report(b *testing.B) {
	if m.runs == 0 {
		return
	}
	purge, del := m.purgeRows/float64(m.runs), m.deleteRows/float64(m.runs)
	b.ReportMetric(purge, "purge-rows/s")
	b.ReportMetric(del, "delete-rows/s")
	b.ReportMetric(purge/del, "purge/delete")
	b.ReportMetric(ms(percentile(m.idle, 50)), "put-p50-idle-ms")
	b.ReportMetric(ms(percentile(m.idle, 99)), "put-p99-idle-ms")
	b.ReportMetric(ms(percentile(m.during, 50)), "put-p50-purge-ms")
	b.ReportMetric(ms(percentile(m.during, 99)), "put-p99-purge-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentile returns the p-th percentile of ds (nearest rank).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

// purgeOnce runs one iteration on fresh copies of template. The timer runs
// during the pass only.
func purgeOnce(b *testing.B, admin, template string, key crypto.RootKey) purgeResult {
	b.StopTimer()
	defer b.StartTimer() // b.Loop wants it running
	ctx := context.Background()
	s := openBenchStore(b, newDatabase(b, admin, template), key)
	defer s.Close()
	deleteURL := newDatabase(b, admin, template)
	var r purgeResult
	r.idle = putLatencies(b, s, "idle", 300, nil)

	stop := make(chan struct{})
	done := make(chan []time.Duration)
	go func() { done <- putLatencies(b, s, "busy", 0, stop) }()
	b.StartTimer()
	start := time.Now()
	rep, err := retention.NewPurger(s, retention.Days(30), retention.Options{}).Run(ctx)
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	r.during = <-done
	if err != nil || rep.Records != int64(*benchRecords) {
		b.Fatalf("purge: %d records, %v; want %d", rep.Records, err, *benchRecords)
	}
	r.purgeRows = float64(rep.Records) / elapsed.Seconds()
	r.deleteRows = plainDelete(b, deleteURL, s.Retention())
	return r
}

// plainDelete deletes every expired record of the database at dbURL in one
// statement and returns the rows a second.
func plainDelete(b *testing.B, dbURL string, retention time.Duration) float64 {
	ctx := context.Background()
	pool := connect(b, dbURL)
	defer pool.Close()
	cutoff := time.Now().Add(-retention)

	start := time.Now()
	tag, err := pool.Exec(ctx, `DELETE FROM records WHERE created_at < $1`, cutoff)
	elapsed := time.Since(start)
	if err != nil || tag.RowsAffected() != int64(*benchRecords) {
		b.Fatalf("plain delete: %d rows, %v; want %d", tag.RowsAffected(), err, *benchRecords)
	}
	return float64(tag.RowsAffected()) / elapsed.Seconds()
}

// putLatencies puts fresh transcripts one after another, n of them or
// (n zero) until stop is closed, and returns how long each took.
func putLatencies(b *testing.B, s *store.Store, prefix string, n int,
	stop <-chan struct{}) []time.Duration {
	var ds []time.Duration
	for i := 0; n == 0 || i < n; i++ {
		select {
		case <-stop:
			return ds
		default:
		}
		start := time.Now()
		_, err := s.PutTranscript(context.Background(), fmt.Sprintf("%s-%d", prefix, i),
			strings.NewReader(transcript), store.PutOptions{})
		if err != nil {
			b.Error(err)
			return ds
		}
		ds = append(ds, time.Since(start))
	}
	return ds
}

// transcript is a small avr-core transcript, the content of every record.
const transcript = `[{"role":"user","text":"I would like to move my appointment to Friday."},` +
	`{"role":"agent","text":"Certainly. Friday at ten or at three?"}]`

// fillTemplate puts n transcripts created 40 days ago, four a call, into
// the database at dbURL, from several goroutines.
func fillTemplate(b *testing.B, dbURL string, key crypto.RootKey, n int) {
	start := time.Now()
	pool, err := store.Connect(context.Background(), dbURL) // a pool of 16
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	if _, err := store.Migrate(context.Background(), pool); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	s, err := store.New(context.Background(), pool, key, store.Options{Actor: "bench"})
	if err != nil {
		b.Fatalf("open store: %v", err)
	}

	created := time.Now().Add(-40 * 24 * time.Hour)
	var wg sync.WaitGroup
	const workers = 16
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				_, err := s.PutTranscript(context.Background(), fmt.Sprintf("call-%d", i/4),
					strings.NewReader(transcript), store.PutOptions{CreatedAt: created})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.Logf("put %d expired transcripts in %v", n, time.Since(start).Round(time.Second))
}

// newDatabase creates a database on the server at admin, as a copy of
// template when it is not empty, and drops it at the end of the benchmark.
func newDatabase(b *testing.B, admin, template string) string {
	ctx := context.Background()
	pool := connect(b, admin)
	defer pool.Close()
	name := fmt.Sprintf("avrdata_bench_%d", time.Now().UnixNano())
	sql := "CREATE DATABASE " + name
	if template != "" {
		sql += " TEMPLATE " + dbName(template)
	}
	if _, err := pool.Exec(ctx, sql); err != nil {
		b.Fatalf("%s: %v", sql, err)
	}
	b.Cleanup(func() {
		pool := connect(b, admin)
		defer pool.Close()
		pool.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDB(admin, name)
}

func openBenchStore(b *testing.B, dbURL string, key crypto.RootKey) *store.Store {
	s, err := store.Open(context.Background(), dbURL, key, store.Options{Actor: "bench"})
	if err != nil {
		b.Fatalf("open store: %v", err)
	}
	return s
}

// dbName returns the database name of dbURL.
func dbName(dbURL string) string {
	u, _ := url.Parse(dbURL)
	return strings.TrimPrefix(u.Path, "/")
}

// withDB returns dbURL naming database name instead.
func withDB(dbURL, name string) string {
	u, _ := url.Parse(dbURL)
	u.Path = "/" + name
	return u.String()
}

func connect(b *testing.B, dbURL string) *pgxpool.Pool {
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		b.Fatalf("connect: %v", err)
	}
	return pool
}

func benchKey(b *testing.B) crypto.RootKey {
	text, err := crypto.GenerateRootKey()
	if err != nil {
		b.Fatal(err)
	}
	key, err := crypto.ParseRootKey("ENCRYPTION_KEY", text)
	if err != nil {
		b.Fatal(err)
	}
	return key
}
