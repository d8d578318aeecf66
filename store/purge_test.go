package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestPurgeSkipsHeldAndCountsOnce(t *testing.T) {
	s, _ := testStore(t)
	ctx := context.Background()
	var old []string
	for i := range 30 {
		rec := putRecording(t, s, "old-"+string(rune('a'+i%10)), uint64(i), 2000, PutOptions{CreatedAt: daysAgo(40)})
		old = append(old, rec.ID)
	}
	fresh := putRecording(t, s, "fresh", 99, 2000, PutOptions{})
	held := putRecording(t, s, "kept", 98, 2000, PutOptions{CreatedAt: daysAgo(40)})
	if err := s.Hold(ctx, "kept", "court order"); err != nil {
		t.Fatal(err)
	}
	cutoff := time.Now().Add(-s.Retention())
	ids := append(old, fresh.ID, held.ID)

	var mu sync.Mutex
	var total Deletion
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := s.Purge(ctx, ids, cutoff)
			if err != nil {
				t.Errorf("purge: %v", err)
			}
			mu.Lock()
			total = total.Add(d)
			mu.Unlock()
		}()
	}
	wg.Wait()

	if total.Records != 30 || total.Calls != 10 {
		t.Errorf("three passes removed %d records and %d calls, want 30 and 10", total.Records, total.Calls)
	}
	for _, id := range []string{fresh.ID, held.ID} {
		if _, err := readAll(t, s, id); err != nil {
			t.Errorf("record %s after purge: %v", id, err)
		}
	}
}

func TestExpiryFollowsRetention(t *testing.T) {
	s, key := testStore(t)
	ctx := context.Background()
	rec := putRecording(t, s, "exp", 1, 10, PutOptions{CreatedAt: daysAgo(10)})

	short, err := New(ctx, s.pool, key, Options{RetentionDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	got, err := short.Get(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := got.CreatedAt.Add(7 * 24 * time.Hour); !got.ExpiresAt.Equal(want) || !got.Expired(time.Now()) {
		t.Errorf("got expiry %v (expired %v), want %v and expired", got.ExpiresAt, got.Expired(time.Now()), want)
	}
	if n, _, err := short.CountExpired(ctx, time.Now().Add(-short.Retention())); err != nil || n != 1 {
		t.Errorf("count expired under 7 days: got %d, %v; want 1", n, err)
	}
}
