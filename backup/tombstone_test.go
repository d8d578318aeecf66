package backup

import (
	"testing"
	"time"
)

func TestTombstoneNames(t *testing.T) {
	at := time.Date(2026, 5, 4, 3, 2, 1, 123456000, time.UTC)
	for _, id := range []string{"4f1c2a9e-0b7d-4e43-9a51-d2f0c1b8e7aa", "1711965600.42", "..", "a_b-c:d"} {
		name := tombstone{CallID: id, ErasedAt: at}.name()
		if err := CheckName(name); err != nil {
			t.Errorf("call %q: name %q is not a clean object name: %v", id, name, err)
		}

		got, ok := parseTombstone(name)
		if !ok || got.CallID != id || !got.ErasedAt.Equal(at) {
			t.Errorf("call %q: parse %q got %+v, %v; want the call and time back", id, name, got, ok)
		}
	}
}

func TestParseTombstoneRefuses(t *testing.T) {
	for _, name := range []string{
		"tombstones/",
		"tombstones/20260504T030201.123456Z",
		"tombstones/notatime_YWJj",
		"tombstones/20260504T030201.123456Z_!!!",
		"tombstones/20260504T030201.123456Z_" + "Lw", // "/" is not a call id
		"20260504T030201.123Z-1a2b3c4d/manifest.json",
	} {
		if got, ok := parseTombstone(name); ok {
			t.Errorf("parse %q: got %+v, want refused", name, got)
		}
	}
}
