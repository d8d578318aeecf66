package store

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

// TestTamperingDetected damages stored ciphertext in the ways an attacker
// with write access to PostgreSQL could, and checks that each damaged record
// fails to read with the integrity error and that Verify names exactly the
// damaged records.
func TestTamperingDetected(t *testing.T) {
	s, _ := testStore(t)
	ctx := context.Background()
	a := putRecording(t, s, "call-a", 1, 3*ChunkSize, PutOptions{})
	b := putRecording(t, s, "call-b", 2, 3*ChunkSize, PutOptions{})
	c := putRecording(t, s, "call-c", 3, 2*ChunkSize, PutOptions{})
	d := putRecording(t, s, "call-d", 4, 2*ChunkSize, PutOptions{})
	e := putRecording(t, s, "call-e", 5, ChunkSize/2, PutOptions{})
	tr := putTranscript(t, s, "call-f", "the caller asked about an invoice")
	intact := putRecording(t, s, "call-g", 6, ChunkSize+5, PutOptions{})

	sqlExec(t, s, `UPDATE record_chunks SET data = set_byte(data, 100, get_byte(data, 100) # 1)
		WHERE record_id = $1 AND seq = 1`, a.ID)
	sqlExec(t, s, `UPDATE record_chunks x SET data = y.data FROM record_chunks y
		WHERE x.record_id = $1 AND y.record_id = $2 AND x.seq = 1 AND y.seq = 1`, b.ID, c.ID)
	sqlExec(t, s, `UPDATE records SET wrapped_key = (SELECT wrapped_key FROM records WHERE id = $2)
		WHERE id = $1`, d.ID, intact.ID)
	sqlExec(t, s, `DELETE FROM record_chunks WHERE record_id = $1 AND seq = 0`, e.ID)
	sqlExec(t, s, `UPDATE record_chunks SET data = set_byte(data, length(data) - 1,
		get_byte(data, length(data) - 1) # 128) WHERE record_id = $1`, tr.ID)

	damaged := []string{a.ID, b.ID, d.ID, e.ID, tr.ID}
	for _, id := range damaged {
		if _, err := readAll(t, s, id); !errors.Is(err, crypto.ErrIntegrity) {
			t.Errorf("read damaged record %s: got %v, want an integrity error", id, err)
		}
	}
	if _, err := readAll(t, s, intact.ID); err != nil {
		t.Errorf("read intact record: %v", err)
	}

	rep, err := s.Verify(ctx, nil)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if got := failedIDs(rep); !slices.Equal(got, sorted(damaged)) {
		t.Errorf("verify failures: got %v, want %v", got, sorted(damaged))
	}
}

// TestTruncationDetected cuts a recording short at a chunk boundary, which
// leaves every remaining chunk authentic.
func TestTruncationDetected(t *testing.T) {
	s, _ := testStore(t)
	rec := putRecording(t, s, "call-t", 7, 3*ChunkSize+10, PutOptions{})

	sqlExec(t, s, `DELETE FROM record_chunks WHERE record_id = $1 AND seq = 3`, rec.ID)
	sqlExec(t, s, `UPDATE records SET chunks = 3, size = $2 WHERE id = $1`, rec.ID, 3*ChunkSize-3*16-40)

	if _, err := readAll(t, s, rec.ID); !errors.Is(err, crypto.ErrIntegrity) {
		t.Errorf("read truncated recording: got %v, want an integrity error", err)
	}
}

func putTranscript(t testing.TB, s *Store, call, text string) Record {
	t.Helper()

	rec, err := s.PutTranscript(context.Background(), call, stringsReader(text), PutOptions{})
	if err != nil {
		t.Fatalf("put transcript: %v", err)
	}
	return rec
}

func sqlExec(t testing.TB, s *Store, sql string, args ...any) {
	t.Helper()

	if _, err := s.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func failedIDs(rep VerifyReport) []string {
	var ids []string
	for _, f := range rep.Failures {
		ids = append(ids, f.ID)
	}
	return sorted(ids)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
