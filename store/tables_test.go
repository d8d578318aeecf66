package store

import (
	"context"
	"testing"

	"github.com/avrdata/avrdata/integration/testenv"
)

// counts are the row counts of the store's tables.
type counts struct {
	keyCheck, keysets, calls, records, chunks, audit, settings int64
}

func tableCounts(t testing.TB, s *Store) counts {
	t.Helper()

	var c counts
	err := s.pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM key_check), (SELECT count(*) FROM keysets),
		(SELECT count(*) FROM calls), (SELECT count(*) FROM records),
		(SELECT count(*) FROM record_chunks), (SELECT count(*) FROM audit_events),
		(SELECT count(*) FROM settings)`).Scan(
		&c.keyCheck, &c.keysets, &c.calls, &c.records, &c.chunks, &c.audit, &c.settings)
	if err != nil {
		t.Fatalf("count rows: %v", err)
	}
	return c
}

// testDBURL returns the URL of a fresh database that is not migrated.
func testDBURL(t testing.TB) string {
	t.Helper()
	return testenv.Postgres(t)
}
