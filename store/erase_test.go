package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func TestEraseCallerMatchesAnySpelling(t *testing.T) {
	s, _ := testStore(t)
	ctx := context.Background()
	spellings := []string{"+39 06 1234 5678", "0039-06-1234-5678", "(+39) 06.1234.5678"}
	for i, number := range spellings {
		putRecording(t, s, "caller-call-"+string(rune('a'+i)), uint64(i), 5000,
			PutOptions{Call: &CallInfo{Caller: number, AgentID: "agent-1"}})
	}
	other := putRecording(t, s, "other-call", 9, 5000, PutOptions{Call: &CallInfo{Caller: "+39 06 1234 5679"}})

	e, err := s.EraseCaller(ctx, "0039 0612345678")

	if err != nil {
		t.Fatalf("erase caller: %v", err)
	}
	if len(e.Erased) != 3 || e.Records != 3 {
		t.Errorf("got %d calls and %d records erased, want 3 and 3", len(e.Erased), e.Records)
	}
	if c := tableCounts(t, s); c.calls != 1 || c.records != 1 {
		t.Errorf("left %d calls and %d records, want only the other caller's", c.calls, c.records)
	}
	if _, err := readAll(t, s, other.ID); err != nil {
		t.Errorf("other caller's recording: %v", err)
	}
}

func TestEraseRefusesHeldCall(t *testing.T) {
	s, _ := testStore(t)
	ctx := context.Background()
	rec := putRecording(t, s, "held-call", 1, 100, PutOptions{Call: &CallInfo{Caller: "+1 555 0100"}})
	if err := s.Hold(ctx, "held-call", "litigation 2026-17"); err != nil {
		t.Fatalf("hold: %v", err)
	}

	if _, err := s.EraseCall(ctx, "held-call"); !errors.Is(err, ErrHeld) {
		t.Errorf("erase held call: got %v, want ErrHeld", err)
	}
	e, err := s.EraseCaller(ctx, "+15550100")
	if !errors.Is(err, ErrHeld) || len(e.Held) != 1 {
		t.Errorf("erase held caller: got %v, held %v; want ErrHeld and the call", err, e.Held)
	}
	if _, err := readAll(t, s, rec.ID); err != nil {
		t.Errorf("held recording after erase attempts: %v", err)
	}

	h, err := s.HoldOf(ctx, "held-call")
	if err != nil || !h.Held || h.Reason != "litigation 2026-17" {
		t.Errorf("got hold %+v, %v; want held with its reason", h, err)
	}
	if err := s.Release(ctx, "held-call"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EraseCall(ctx, "held-call"); err != nil {
		t.Errorf("erase released call: %v", err)
	}
	if _, err := readAll(t, s, rec.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("read erased recording: got %v, want ErrNotFound", err)
	}
}

func TestEraseLeavesTombstoneAndAudit(t *testing.T) {
	s, _ := testStore(t)
	ctx := context.Background()
	putRecording(t, s, "gone-call", 1, 100, PutOptions{})

	if _, err := s.EraseCall(ctx, "gone-call"); err != nil {
		t.Fatal(err)
	}

	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM erasures WHERE call_id = 'gone-call'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("tombstones: got %d, %v; want 1", n, err)
	}
	events, err := s.AuditEvents(ctx, 0, "erase", 10)
	if err != nil || len(events) != 1 || events[0].CallID != "gone-call" || events[0].Count != 1 {
		t.Errorf("erase audit events: got %+v, %v", events, err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM audit_events`); err == nil {
		t.Error("deleting audit events succeeded; want the append-only trigger to refuse")
	}
}
