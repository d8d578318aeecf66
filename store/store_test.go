package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

func TestRecordingRoundTrip(t *testing.T) {
	s, _ := testStore(t)
	sizes := []int64{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3*ChunkSize + ChunkSize/2}
	if !testing.Short() {
		sizes = append(sizes, 256<<20)
	}

	for i, n := range sizes {
		rec := putRecording(t, s, "call-rt", uint64(i), n, PutOptions{})
		if rec.Size != n {
			t.Errorf("put %d bytes: got size %d", n, rec.Size)
		}
		rc, got, err := s.Open(context.Background(), rec.ID)
		if err != nil {
			t.Fatalf("open %d-byte recording: %v", n, err)
		}
		sum, m, err := digest(t, rc)
		rc.Close()
		want, _, _ := digest(t, content(uint64(i), n))
		if err != nil || m != n || sum != want {
			t.Errorf("%d bytes: read %d bytes, err %v, digest match %v", n, m, err, sum == want)
		}
		if got.CallID != "call-rt" || got.Kind != KindRecording || got.ContentType != "audio/wav" {
			t.Errorf("got record %+v", got)
		}
	}
}

func TestTranscriptRoundTrip(t *testing.T) {
	s, _ := testStore(t)
	ctx := context.Background()
	want := []byte(`{"role":"agent","text":"Hello, how can I help?"}`)

	rec, err := s.PutTranscript(ctx, "call-tr", bytes.NewReader(want), PutOptions{ContentType: "application/json"})
	if err != nil {
		t.Fatalf("put transcript: %v", err)
	}
	got, err := readAll(t, s, rec.ID)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}

	_, err = s.PutTranscript(ctx, "call-tr", content(1, MaxTranscriptSize+1), PutOptions{})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized transcript: got %v, want ErrTooLarge", err)
	}
}

func TestBadInput(t *testing.T) {
	s, _ := testStore(t)
	ctx := context.Background()

	for _, id := range []string{"", strings.Repeat("a", 129), "call/1", "call 1", "cäll"} {
		_, err := s.PutRecording(ctx, id, strings.NewReader("x"), PutOptions{})
		if !errors.Is(err, ErrBadCallID) {
			t.Errorf("call id %q: got %v, want ErrBadCallID", id, err)
		}
	}
	if _, _, err := s.Open(ctx, "not-a-uuid"); !errors.Is(err, ErrBadRecordID) {
		t.Errorf("bad record id: got %v, want ErrBadRecordID", err)
	}
	if _, _, err := s.Open(ctx, "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown record: got %v, want ErrNotFound", err)
	}
	for _, id := range []string{"1700000000.123", "a:b-c_d.e", strings.Repeat("z", 128)} {
		if err := ValidateCallID(id); err != nil {
			t.Errorf("call id %q: got %v, want nil", id, err)
		}
	}
}

func TestNotMigrated(t *testing.T) {
	ctx := context.Background()
	pool, err := Connect(ctx, testDBURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	_, err = New(ctx, pool, testKey(t), Options{})
	if !errors.Is(err, ErrNotMigrated) {
		t.Errorf("got %v, want ErrNotMigrated", err)
	}
}

func TestWrongKeyWritesNothing(t *testing.T) {
	s, _ := testStore(t)
	ctx := context.Background()
	putRecording(t, s, "call-wk", 1, 1000, PutOptions{})
	before := tableCounts(t, s)

	_, err := New(ctx, s.pool, testKey(t), Options{RetentionDays: 7})

	if !errors.Is(err, crypto.ErrWrongKey) {
		t.Fatalf("got %v, want ErrWrongKey", err)
	}
	if after := tableCounts(t, s); after != before {
		t.Errorf("rows changed: before %v, after %v", before, after)
	}
}

func TestConcurrentPutsAndReads(t *testing.T) {
	s, _ := testStore(t)
	const workers = 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)

	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- putAndCheck(t, s, uint64(100+i), int64(i)*40000+1)
		}()
	}
	wg.Wait()
	close(errs)

	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func putAndCheck(t *testing.T, s *Store, seed uint64, n int64) error {
	rec, err := s.PutRecording(context.Background(), "call-cc", content(seed, n), PutOptions{})
	if err != nil {
		return err
	}
	rc, _, err := s.Open(context.Background(), rec.ID)
	if err != nil {
		return err
	}
	defer rc.Close()
	got, _, err := digest(t, rc)
	want, _, _ := digest(t, content(seed, n))
	if err != nil || got != want {
		return errors.New("concurrent read differs from what was put")
	}
	return nil
}

func TestCancelledPutLeavesNothing(t *testing.T) {
	s, _ := testStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := &cancelAfter{r: content(5, 10*ChunkSize), after: 3 * ChunkSize, cancel: cancel}

	_, err := s.PutRecording(ctx, "call-cancel", r, PutOptions{})

	if err == nil {
		t.Fatal("cancelled put succeeded")
	}
	if got := tableCounts(t, s); got.records != 0 || got.chunks != 0 {
		t.Errorf("after a cancelled put: %+v, want no records or chunks", got)
	}
}

// cancelAfter reads r and cancels after some bytes, as a client that goes
// away halfway would.
type cancelAfter struct {
	r      io.Reader
	n      int64
	after  int64
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n >= c.after {
		c.cancel()
	}
	return n, err
}

func TestFailingReaderLeavesNothing(t *testing.T) {
	s, _ := testStore(t)
	r := io.MultiReader(content(6, 2*ChunkSize+7), iotestErrReader{})

	_, err := s.PutRecording(context.Background(), "call-fail", r, PutOptions{})

	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("got %v, want the reader's error", err)
	}
	if got := tableCounts(t, s); got.records != 0 || got.chunks != 0 {
		t.Errorf("after a failed put: %+v, want no records or chunks", got)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
