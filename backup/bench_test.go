package backup_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync/atomic"
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

// Sizes of the benchmarks, in MiB; the environment variables override
// them (a 2 GiB store takes minutes to fill on a small machine).
const (
	benchThroughputMiB = 256  // AVRDATA_BENCH_BACKUP_MIB
	benchMemoryMaxMiB  = 2048 // AVRDATA_BENCH_BACKUP_MAX_MIB
	benchRecordingMiB  = 64   // the size of each recording stored
)

func benchMiB(name string, def int) int64 {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return int64(n) << 20
	}
	return int64(def) << 20
}

// benchSetup is a store holding size bytes of recordings, a bucket, and
// an empty database to restore into.
type benchSetup struct {
	st     *store.Store
	key    crypto.RootKey
	dest   backup.Destination
	target *pgxpool.Pool
}

func newBenchSetup(b *testing.B, size int64) benchSetup {
	b.Helper()

	st, key := newStore(b)
	fill(b, st, size)
	bucket := testenv.S3(b)
	return benchSetup{st: st, key: key, target: newDatabase(b),
		dest: linkDest(s3dest.New(bucket.Client(), bucket.Bucket, "bench", s3dest.Options{}))}
}

// fill stores size bytes of random recordings in st.
func fill(b *testing.B, st *store.Store, size int64) {
	b.Helper()

	rng := rand.NewChaCha8([32]byte{1})
	for i := 0; size > 0; i++ {
		n := min(size, benchRecordingMiB<<20)
		_, err := st.PutRecording(context.Background(), fmt.Sprintf("bench-%d", i),
			io.LimitReader(rng, n), store.PutOptions{})
		if err != nil {
			b.Fatal(err)
		}
		size -= n
	}
}

func (s benchSetup) backup(b *testing.B) backup.Result {
	b.Helper()

	res, err := backup.Backup(context.Background(), s.st, s.dest, backup.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// restore restores id into the target, replacing what an earlier round
// restored.
func (s benchSetup) restore(b *testing.B, id string, verify bool) {
	b.Helper()

	rep, err := backup.Restore(context.Background(), s.dest, backup.RestoreOptions{
		Backup: id, Root: s.key, Target: s.target, Force: true, Verify: verify})
	if err != nil || !rep.OK() {
		b.Fatalf("restore: %v %+v", err, rep.Failures)
	}
}

// BenchmarkBackupThroughput compares a backup to S3 with uploading the
// same number of bytes through the same client (backup-ratio), and a
// restore with verification with downloading the backup's objects
// (restore-ratio). As a restore is bound by PostgreSQL's writes, it also
// compares a restore without verification with a plain binary COPY of as
// many bytes into a table of 1 MiB bytea rows (load-ratio), and reports
// the most any restore into this PostgreSQL could reach against the
// download (restore-ceiling: plain COPY / download). With
// AVRDATA_BENCH_LINK_MBPS set, every byte to and from S3, and those of
// the plain COPY, go over a link of that rate (see linkDest).
//
// Each round runs every measure once, one after the other, so that a
// ratio's two sides see about the same machine. Ratios are reported two
// ways: from the best round of each side (…-ratio), and as the median of
// the rounds' own ratios (…-ratio-median), which a single lucky or
// unlucky round does not move.
func BenchmarkBackupThroughput(b *testing.B) {
	size := benchMiB("AVRDATA_BENCH_BACKUP_MIB", benchThroughputMiB)
	s := newBenchSetup(b, size)
	scratch := newDatabase(b)

	var rounds []throughputRound
	var m backup.Manifest
	for range b.N {
		var r throughputRound
		r[tBackup] = timed(func() { m = s.backup(b).Manifest })
		r[tUpload] = timed(func() { upload(b, s.dest, m.Bytes) })
		r[tRestore] = timed(func() { s.restore(b, m.ID, true) })
		r[tDownload] = timed(func() { download(b, s.dest, m) })
		r[tLoad] = timed(func() { s.restore(b, m.ID, false) })
		r[tCopy] = timed(func() { plainCopy(b, scratch, m.DataBytes) })
		rounds = append(rounds, r)
	}
	reportThroughput(b, rounds, m.Bytes)
}

// The measures of a throughput round.
const (
	tBackup = iota
	tUpload
	tRestore
	tDownload
	tLoad
	tCopy
	tMeasures
)

var measureNames = [tMeasures]string{"backup", "upload", "restore", "download", "load", "copy"}

// throughputRound is how long each measure took in one round.
type throughputRound [tMeasures]time.Duration

// ratio is how fast measure is against baseline in round r: baseline's
// duration over measure's.
func (r throughputRound) ratio(measure, baseline int) float64 {
	return r[baseline].Seconds() / r[measure].Seconds()
}

// reportThroughput reports each measure's best rate for bytes, and the
// ratios from the best rounds and as medians of the rounds' own.
func reportThroughput(b *testing.B, rounds []throughputRound, bytes int64) {
	var best throughputRound
	for i := range tMeasures {
		for _, r := range rounds {
			if best[i] == 0 || r[i] < best[i] {
				best[i] = r[i]
			}
		}
		b.ReportMetric(float64(bytes)/best[i].Seconds()/1e6, measureNames[i]+"-MB/s")
	}

	for _, p := range []struct {
		name              string
		measure, baseline int
	}{
		{"backup", tBackup, tUpload},
		{"restore", tRestore, tDownload},
		{"load", tLoad, tCopy},
		{"restore-ceiling", tCopy, tDownload},
	} {
		b.ReportMetric(best.ratio(p.measure, p.baseline), p.name+"-ratio")
		b.ReportMetric(medianRatio(rounds, p.measure, p.baseline), p.name+"-ratio-median")
	}
}

// medianRatio is the median over rounds of measure against baseline.
func medianRatio(rounds []throughputRound, measure, baseline int) float64 {
	ratios := make([]float64, len(rounds))
	for i, r := range rounds {
		ratios[i] = r.ratio(measure, baseline)
	}
	slices.Sort(ratios)
	n := len(ratios)
	if n%2 == 1 {
		return ratios[n/2]
	}
	return (ratios[n/2-1] + ratios[n/2]) / 2
}

// timed runs fn and returns how long it took.
func timed(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}

// upload stores n bytes through dest from a reader that cannot seek, as a
// backup does, and that costs next to nothing: 16 MiB of random bytes
// over and over.
func upload(b *testing.B, dest backup.Destination, n int64) {
	b.Helper()

	block := make([]byte, 16<<20)
	rand.NewChaCha8([32]byte{2}).Read(block)
	if err := dest.Put(context.Background(), "baseline", io.LimitReader(&cycle{block: block}, n)); err != nil {
		b.Fatal(err)
	}
}

// cycle reads block over and over.
type cycle struct {
	block []byte
	at    int
}

func (c *cycle) Read(p []byte) (int, error) {
	n := copy(p, c.block[c.at:])
	c.at = (c.at + n) % len(c.block)
	return n, nil
}

// plainCopy loads n random bytes into a fresh table of 1 MiB bytea rows
// (stored as record_chunks are) with one binary COPY, unencrypted. The
// bytes arrive over the benchmark's link, when it has one, as a
// restore's do.
func plainCopy(b *testing.B, pool *pgxpool.Pool, n int64) {
	b.Helper()

	ctx := context.Background()
	_, err := pool.Exec(ctx, `DROP TABLE IF EXISTS plain_copy;
		CREATE TABLE plain_copy (seq integer PRIMARY KEY, data bytea NOT NULL);
		ALTER TABLE plain_copy ALTER COLUMN data SET STORAGE EXTERNAL`)
	if err != nil {
		b.Fatal(err)
	}
	src := linkSource(io.LimitReader(rand.NewChaCha8([32]byte{3}), n))
	row := make([]byte, store.ChunkSize)
	seq := 0
	_, err = pool.CopyFrom(ctx, pgx.Identifier{"plain_copy"}, []string{"seq", "data"},
		pgx.CopyFromFunc(func() ([]any, error) {
			k, err := io.ReadFull(src, row)
			if k == 0 || (err != nil && err != io.ErrUnexpectedEOF) {
				return nil, nil
			}
			seq++
			return []any{seq, row[:k]}, nil
		}))
	if err != nil {
		b.Fatal(err)
	}
}

// download reads every object of m, as a restore does, and discards it.
func download(b *testing.B, dest backup.Destination, m backup.Manifest) {
	b.Helper()

	for _, o := range m.Objects() {
		rc, err := dest.Get(context.Background(), m.ID+"/"+o.Name)
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBackupMemory backs up and restores (with verification) stores
// of growing size and reports the peak memory the Go runtime held during
// each (heap objects and stacks, sampled every 5 ms), and the largest live
// heap a garbage collection found. Flat numbers across sizes mean memory
// does not grow with the data; the peak also holds garbage, up to what
// GOGC lets the heap grow to over the live heap.
func BenchmarkBackupMemory(b *testing.B) {
	largest := benchMiB("AVRDATA_BENCH_BACKUP_MAX_MIB", benchMemoryMaxMiB)
	sizes := []int64{largest}
	for _, size := range []int64{512 << 20, 100 << 20} {
		if size < largest {
			sizes = append([]int64{size}, sizes...)
		}
	}
	for _, size := range sizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			s := newBenchSetup(b, size)
			for range b.N {
				var res backup.Result
				backupPeak, backupLive := peakDuring(func() { res = s.backup(b) })
				restorePeak, restoreLive := peakDuring(func() { s.restore(b, res.ID, true) })
				b.ReportMetric(float64(backupPeak)/(1<<20), "backup-peak-MiB")
				b.ReportMetric(float64(backupLive)/(1<<20), "backup-live-MiB")
				b.ReportMetric(float64(restorePeak)/(1<<20), "restore-peak-MiB")
				b.ReportMetric(float64(restoreLive)/(1<<20), "restore-live-MiB")
			}
		})
	}
}

// peakDuring runs fn and returns the most memory the runtime held for heap
// objects and stacks while it ran (garbage not yet collected included),
// and the largest live heap a collection found.
func peakDuring(fn func()) (peak, live uint64) {
	runtime.GC()
	var peakHeap, peakLive atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/memory/classes/heap/stacks:bytes"}, {Name: "/gc/heap/live:bytes"}}
		for {
			metrics.Read(sample)
			peakHeap.Store(max(peakHeap.Load(), sample[0].Value.Uint64()+sample[1].Value.Uint64()))
			peakLive.Store(max(peakLive.Load(), sample[2].Value.Uint64()))
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	fn()
	runtime.GC() // so that the live heap of the end of fn is measured too
	close(done)
	<-stopped
	return peakHeap.Load(), peakLive.Load()
}
