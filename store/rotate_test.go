package store

import (
	"context"
	"errors"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

func TestRotateWithRewrapKeepsRecordsReadable(t *testing.T) {
	s, key := testStore(t)
	ctx := context.Background()
	rec := putRecording(t, s, "rot-call", 1, 2*ChunkSize+1, PutOptions{Call: &CallInfo{Caller: "+44 20 7946 0000"}})
	tr := putTranscript(t, s, "rot-call", "hello")
	if err := s.Hold(ctx, "rot-call", "audit"); err != nil {
		t.Fatal(err)
	}

	rot, err := s.RotateKeys(ctx, true)

	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if rot.Rewrapped != 4 {
		t.Errorf("got %d keys re-wrapped, want 4 (recording, transcript, call info, hold reason)", rot.Rewrapped)
	}
	var wrapped []byte
	s.pool.QueryRow(ctx, `SELECT wrapped_key FROM records WHERE id = $1`, rec.ID).Scan(&wrapped)
	if id, _ := s.keys.WrappingKeyID(wrapped); id != rot.PrimaryKeyID {
		t.Errorf("recording wrapped by key %d, want the new primary %d", id, rot.PrimaryKeyID)
	}

	// A second process opened before the rotation reads records wrapped
	// under the new key.
	other, err := New(ctx, s.pool, key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{rec.ID, tr.ID} {
		if _, err := readAll(t, other, id); err != nil {
			t.Errorf("read %s after rotation: %v", id, err)
		}
	}
	if rep, err := s.Verify(ctx, nil); err != nil || !rep.OK() {
		t.Errorf("verify after rotation: %+v, %v", rep.Failures, err)
	}
}

func TestRotateRoot(t *testing.T) {
	s, oldKey := testStore(t)
	ctx := context.Background()
	rec := putRecording(t, s, "root-call", 1, ChunkSize+3, PutOptions{Call: &CallInfo{Caller: "+1 202 555 0111"}})
	newKey := testKey(t)

	if err := RotateRoot(ctx, s.pool, oldKey, newKey, Options{Actor: "test"}); err != nil {
		t.Fatalf("rotate root: %v", err)
	}

	if _, err := New(ctx, s.pool, oldKey, Options{}); !errors.Is(err, crypto.ErrWrongKey) {
		t.Errorf("open with the old key: got %v, want ErrWrongKey", err)
	}
	fresh, err := New(ctx, s.pool, newKey, Options{})
	if err != nil {
		t.Fatalf("open with the new key: %v", err)
	}
	if _, err := readAll(t, fresh, rec.ID); err != nil {
		t.Errorf("read after root rotation: %v", err)
	}
	e, err := fresh.EraseCaller(ctx, "+12025550111")
	if err != nil || len(e.Erased) != 1 {
		t.Errorf("erase caller after root rotation: got %v erased, %v; want the call (blind index recomputed)", e.Erased, err)
	}
	if err := RotateRoot(ctx, s.pool, testKey(t), newKey, Options{}); err != nil {
		t.Errorf("rotate root again with the current key in force: %v", err)
	}
}
