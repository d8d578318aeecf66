package store

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// benchSize is the recording size of the throughput benchmarks.
const benchSize = 64 << 20

// BenchmarkRecording measures put and get throughput of recordings, each
// encrypted and unencrypted through the same code path (chunking, COPY,
// streaming reads), and reports the ratio encrypted/unencrypted as
// put-ratio and get-ratio. Rounds alternate so both see the same machine
// state; the best round of each counts.
func BenchmarkRecording(b *testing.B) {
	s, _ := testStore(b)
	ctx := context.Background()
	data := make([]byte, benchSize)
	io.ReadFull(content(1, benchSize), data)

	var best [2][2]time.Duration // [plaintext?][put, get]
	for range b.N {
		for _, plain := range []bool{false, true} {
			s.plaintext = plain
			put, get := timePutGet(b, s, ctx, data)
			keepBest(&best[boolIndex(plain)][0], put)
			keepBest(&best[boolIndex(plain)][1], get)
		}
	}
	s.plaintext = false

	mbps := func(d time.Duration) float64 { return benchSize / d.Seconds() / 1e6 }
	b.ReportMetric(mbps(best[0][0]), "enc-put-MB/s")
	b.ReportMetric(mbps(best[1][0]), "plain-put-MB/s")
	b.ReportMetric(mbps(best[0][1]), "enc-get-MB/s")
	b.ReportMetric(mbps(best[1][1]), "plain-get-MB/s")
	b.ReportMetric(best[1][0].Seconds()/best[0][0].Seconds(), "put-ratio")
	b.ReportMetric(best[1][1].Seconds()/best[0][1].Seconds(), "get-ratio")
}

func timePutGet(b *testing.B, s *Store, ctx context.Context, data []byte) (put, get time.Duration) {
	b.Helper()

	start := time.Now()
	rec, err := s.PutRecording(ctx, "bench", newBytesReader(data), PutOptions{})
	if err != nil {
		b.Fatal(err)
	}
	put = time.Since(start)

	start = time.Now()
	rc, _, err := s.Open(ctx, rec.ID)
	if err != nil {
		b.Fatal(err)
	}
	if n, err := io.Copy(io.Discard, rc); err != nil || n != int64(len(data)) {
		b.Fatalf("read %d bytes: %v", n, err)
	}
	rc.Close()
	get = time.Since(start)

	sqlExec(b, s, `DELETE FROM records WHERE id = $1`, rec.ID)
	return put, get
}

// newBytesReader is a reader over data that is not an io.WriterTo, so the
// put reads it in copyBufferSize pieces as it would a file.
func newBytesReader(data []byte) io.Reader {
	return &sliceReader{data: data}
}

type sliceReader struct{ data []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func keepBest(best *time.Duration, d time.Duration) {
	if *best == 0 || d < *best {
		*best = d
	}
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BenchmarkPeakMemory puts and reads back recordings of growing size and
// reports the peak memory the Go runtime held during each (heap and
// stacks, sampled every 5 ms). Flat numbers across sizes mean memory does
// not grow with the recording.
func BenchmarkPeakMemory(b *testing.B) {
	for _, size := range []int64{64 << 20, 256 << 20, 1 << 30} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			s, _ := testStore(b)
			ctx := context.Background()
			for range b.N {
				putPeak, getPeak := measurePeaks(b, s, ctx, size)
				b.ReportMetric(float64(putPeak)/(1<<20), "put-peak-MiB")
				b.ReportMetric(float64(getPeak)/(1<<20), "get-peak-MiB")
			}
		})
	}
}

func measurePeaks(b *testing.B, s *Store, ctx context.Context, size int64) (putPeak, getPeak uint64) {
	b.Helper()

	var rec Record
	putPeak = peakDuring(func() {
		var err error
		rec, err = s.PutRecording(ctx, "bench-mem", content(3, size), PutOptions{})
		if err != nil {
			b.Fatal(err)
		}
	})
	getPeak = peakDuring(func() {
		rc, _, err := s.Open(ctx, rec.ID)
		if err != nil {
			b.Fatal(err)
		}
		defer rc.Close()
		if n, err := io.Copy(io.Discard, rc); err != nil || n != size {
			b.Fatalf("read %d bytes: %v", n, err)
		}
	})
	sqlExec(b, s, `DELETE FROM records WHERE id = $1`, rec.ID)
	return putPeak, getPeak
}

// peakDuring runs fn and returns the most memory the runtime held for heap
// objects and stacks while it ran.
func peakDuring(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/memory/classes/heap/stacks:bytes"}}
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64() + sample[1].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	return peak.Load()
}
