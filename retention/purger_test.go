package retention_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/integration/testenv"
	"github.com/avrdata/avrdata/retention"
	"github.com/avrdata/avrdata/store"
	"github.com/avrdata/avrdata/store/storetest"
)

const day = 24 * time.Hour

// openStore returns a store on a fresh, migrated database.
func openStore(t testing.TB) *store.Store {
	t.Helper()

	ctx := context.Background()
	pool, err := store.Connect(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(pool.Close)
	if _, err := store.Migrate(ctx, pool); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	keyText, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	key, err := crypto.ParseRootKey("ENCRYPTION_KEY", keyText)
	if err != nil {
		t.Fatalf("parse key: %v", err)
	}
	s, err := store.New(ctx, pool, key, store.Options{Actor: "test"})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return s
}

// putAged stores a small transcript of call created age ago.
func putAged(t testing.TB, s *store.Store, call string, age time.Duration) store.Record {
	t.Helper()

	body := strings.NewReader("transcript of " + call)
	rec, err := s.PutTranscript(context.Background(), call, body,
		store.PutOptions{CreatedAt: time.Now().Add(-age)})
	if err != nil {
		t.Fatalf("put transcript: %v", err)
	}
	return rec
}

// lastPurgeEvent returns the newest "purge" audit event.
func lastPurgeEvent(t testing.TB, s *store.Store) store.Event {
	t.Helper()

	events, err := s.AuditEvents(context.Background(), 0, "purge", 1000)
	if err != nil || len(events) == 0 {
		t.Fatalf("purge audit events: got %d, %v; want at least one", len(events), err)
	}
	return events[len(events)-1]
}

func TestDryRunListsWhatRunRemoves(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	var expired, kept []string
	for i := range 23 {
		expired = append(expired, putAged(t, s, fmt.Sprintf("old-%d", i%7), 40*day).ID)
	}
	for i := range 5 {
		kept = append(kept, putAged(t, s, fmt.Sprintf("new-%d", i), 10*day).ID)
	}
	kept = append(kept, putAged(t, s, "held", 90*day).ID)
	if err := s.Hold(ctx, "held", "litigation"); err != nil {
		t.Fatalf("hold: %v", err)
	}

	var listed []string
	dry := retention.NewPurger(s, retention.Days(30), retention.Options{BatchSize: 4,
		OnPurge: func(v retention.Verdict) { listed = append(listed, v.Record.ID) }})
	dryRep, err := dry.DryRun(ctx)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if got := storetest.IDs(t, s); len(got) != len(expired)+len(kept) {
		t.Fatalf("dry run removed records: %d left, want %d", len(got), len(expired)+len(kept))
	}

	rep, err := retention.NewPurger(s, retention.Days(30), retention.Options{BatchSize: 4}).Run(ctx)
	if err != nil {
		t.Fatalf("purge: %v", err)
	}
	slices.Sort(listed)
	slices.Sort(expired)
	slices.Sort(kept)
	if !slices.Equal(listed, expired) {
		t.Errorf("dry run listed %d records, want the %d expired ones", len(listed), len(expired))
	}
	if got := storetest.IDs(t, s); !slices.Equal(got, kept) {
		t.Errorf("after purge: got %d records left, want the %d kept ones", len(got), len(kept))
	}
	if dryRep.Records != 23 || rep.Records != 23 || rep.Calls != 7 ||
		rep.Held != 1 || dryRep.Held != 1 {
		t.Errorf("got dry run %+v and run %+v; want 23 records, 7 calls, 1 held", dryRep, rep)
	}
	if e := lastPurgeEvent(t, s); e.Outcome != "ok" || e.Count != 23 {
		t.Errorf("audit event: got outcome %q count %d, want ok 23", e.Outcome, e.Count)
	}
}

func TestReleasedCallGoesNextPass(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	rec := putAged(t, s, "court", 60*day)
	if err := s.Hold(ctx, "court", "court order 12"); err != nil {
		t.Fatalf("hold: %v", err)
	}
	p := retention.NewPurger(s, retention.Days(30), retention.Options{})

	rep, err := p.Run(ctx)
	if err != nil || rep.Records != 0 || rep.Held != 1 {
		t.Fatalf("pass under hold: got %+v, %v; want 0 purged, 1 held", rep, err)
	}
	if err := s.Release(ctx, "court"); err != nil {
		t.Fatalf("release: %v", err)
	}
	rep, err = p.Run(ctx)
	if err != nil || rep.Records != 1 || rep.Held != 0 {
		t.Fatalf("pass after release: got %+v, %v; want 1 purged", rep, err)
	}
	if _, err := s.Get(ctx, rec.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("released record after pass: got %v, want ErrNotFound", err)
	}
}

func TestCancelledPassIsPartial(t *testing.T) {
	s := openStore(t)
	for i := range 30 {
		putAged(t, s, fmt.Sprintf("c%d", i), 40*day)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := 0
	p := retention.NewPurger(s, retention.Days(30), retention.Options{BatchSize: 5,
		OnPurge: func(retention.Verdict) {
			if seen++; seen == 12 { // within the third batch
				cancel()
			}
		}})

	rep, err := p.Run(ctx)

	var partial *retention.PartialError
	if !errors.As(err, &partial) || !retention.Interrupted(err) {
		t.Fatalf("got %v, want an interrupted *PartialError", err)
	}
	if rep.Records != 15 || rep.Batches != 3 || partial.Report.Records != 15 {
		t.Errorf("got %d records in %d batches, want the 3 batches begun: 15", rep.Records, rep.Batches)
	}
	if got := len(storetest.IDs(t, s)); got != 15 {
		t.Errorf("got %d records left, want 15", got)
	}
	if e := lastPurgeEvent(t, s); e.Outcome != "partial" || e.Count != 15 {
		t.Errorf("audit event: got outcome %q count %d, want partial 15", e.Outcome, e.Count)
	}
}

func TestBadPolicyRefused(t *testing.T) {
	s := openStore(t)
	putAged(t, s, "c", time.Hour)

	_, err := retention.NewPurger(s, retention.Days(0), retention.Options{}).Run(context.Background())
	if !errors.Is(err, retention.ErrBadPolicy) {
		t.Errorf("zero retention: got %v, want ErrBadPolicy", err)
	}
	if got := len(storetest.IDs(t, s)); got != 1 {
		t.Errorf("got %d records left, want 1", got)
	}
}

func TestBacklogAndStored(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	putAged(t, s, "a", 40*day)
	putAged(t, s, "b", 40*day)
	putAged(t, s, "c", 2*day)
	if _, err := s.PutRecording(ctx, "c", strings.NewReader("RIFF"), store.PutOptions{}); err != nil {
		t.Fatalf("put recording: %v", err)
	}
	if err := s.Hold(ctx, "b", "audit"); err != nil {
		t.Fatalf("hold: %v", err)
	}

	b, err := retention.NewPurger(s, retention.Days(30), retention.Options{}).Backlog(ctx)
	if err != nil || b.Expired != 2 || b.Held != 1 {
		t.Errorf("backlog: got %+v, %v; want 2 expired, 1 held", b, err)
	}
	counts, err := retention.Stored(ctx, s)
	if err != nil || counts[store.KindTranscript] != 3 || counts[store.KindRecording] != 1 {
		t.Errorf("stored: got %v, %v; want 3 transcripts, 1 recording", counts, err)
	}
}
