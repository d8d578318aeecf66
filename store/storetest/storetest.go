// Package storetest has checks that tests of packages built on the store
// share: which records a store holds, and that they read back whole.
package storetest

import (
	"bytes"
	"context"
	"io"
	"slices"
	"testing"

	"github.com/avrdata/avrdata/store"
)

// IDs returns the ids of every record of s, sorted.
func IDs(t testing.TB, s *store.Store) []string {
	t.Helper()

	var ids []string
	err := s.List(context.Background(), store.ListOptions{}, func(r store.Record) error {
		ids = append(ids, r.ID)
		return nil
	})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	slices.Sort(ids)
	return ids
}

// CheckReadBack reads every record of want from s, by id, and reports
// each that does not open or differs from its content in want.
func CheckReadBack(t testing.TB, s *store.Store, want map[string][]byte) {
	t.Helper()

	for id, data := range want {
		rc, _, err := s.Open(context.Background(), id)
		if err != nil {
			t.Errorf("open %s: %v", id, err)
			continue
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("record %s: got %d bytes (%v), want %d identical", id, len(got), err, len(data))
		}
	}
}
