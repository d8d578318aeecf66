package store

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
)

// VerifyReport is what Verify found.
type VerifyReport struct {
	Records  int64 // records checked
	Bytes    int64 // plaintext bytes decrypted
	Calls    int64 // call metadata and hold reasons checked
	Failures []Failure
}

// OK reports whether every record and call verified.
func (r VerifyReport) OK() bool { return len(r.Failures) == 0 }

// Failure is one record or call that did not verify.
type Failure struct {
	Kind   string // recording, transcript, call, hold
	ID     string
	CallID string
	Err    error
}

// Verify decrypts every record and every call's sealed metadata in full and
// reports those that fail (changed, truncated or misplaced bytes). progress,
// when not nil, is called after each record. An error is returned only when
// the pass itself could not run; what failed to verify is in the report.
// It leaves one "verify" audit event with the counts.
func (s *Store) Verify(ctx context.Context, progress func(VerifyReport)) (VerifyReport, error) {
	var rep VerifyReport
	err := s.eachStored(ctx, func(r storedRecord) error {
		n, err := s.verifyRecord(ctx, r)
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		rep.Records, rep.Bytes = rep.Records+1, rep.Bytes+n
		if err != nil {
			rep.Failures = append(rep.Failures, Failure{Kind: string(r.Kind), ID: r.ID, CallID: r.CallID, Err: err})
		}
		if progress != nil {
			progress(rep)
		}
		return nil
	})
	if err == nil {
		err = s.verifyCalls(ctx, &rep)
	}

	outcome := "ok"
	if !rep.OK() {
		outcome = "failed"
	}
	s.audit(ctx, Event{Action: "verify", Outcome: outcome, Count: rep.Records,
		Detail: map[string]any{"failures": len(rep.Failures), "calls": rep.Calls}})
	return rep, err
}

func (s *Store) verifyRecord(ctx context.Context, r storedRecord) (int64, error) {
	rc, err := s.reader(ctx, r, nil)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return io.Copy(io.Discard, rc)
}

// verifyCalls opens every call's sealed metadata and hold reason.
func (s *Store) verifyCalls(ctx context.Context, rep *VerifyReport) error {
	rows, _ := s.pool.Query(ctx, `SELECT id, meta, meta_key, hold_reason, hold_reason_key
		FROM calls WHERE meta IS NOT NULL OR hold_reason IS NOT NULL ORDER BY id`)
	var id string
	var meta, metaKey, reason, reasonKey []byte
	_, err := pgx.ForEachRow(rows, []any{&id, &meta, &metaKey, &reason, &reasonKey}, func() error {
		rep.Calls++
		if _, err := s.openCallInfo(ctx, id, meta, metaKey); err != nil {
			rep.Failures = append(rep.Failures, Failure{Kind: "call", ID: id, CallID: id, Err: err})
		}
		if reason == nil {
			return nil
		}
		if _, err := s.open(ctx, holdRef(id), reason, reasonKey); err != nil {
			rep.Failures = append(rep.Failures, Failure{Kind: "hold", ID: id, CallID: id, Err: err})
		}
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("verify calls: %w", err)
	}
	return err
}
