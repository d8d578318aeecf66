package backup_test

import (
	"testing"
	"time"

	"github.com/avrdata/avrdata/backup"
)

func TestProgressLeft(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name string
		p    backup.Progress
		want time.Duration
	}{
		{"half way at 1 MiB/s", backup.Progress{Done: 10 * mib, Total: 20 * mib, Elapsed: 10 * time.Second}, 10 * time.Second},
		{"first second", backup.Progress{Done: 1, Total: 20 * mib, Elapsed: 500 * time.Millisecond}, 0},
		{"unknown total", backup.Progress{Done: 10 * mib, Elapsed: 10 * time.Second}, 0},
		{"estimate exceeded", backup.Progress{Done: 30 * mib, Total: 20 * mib, Elapsed: 10 * time.Second}, 0},
		{"nothing done", backup.Progress{Total: 20 * mib, Elapsed: 10 * time.Second}, 0},
	} {
		if got := tc.p.Left(); got != tc.want {
			t.Errorf("%s: Left() = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestProgressRate(t *testing.T) {
	p := backup.Progress{Done: 3 << 20, Elapsed: 2 * time.Second}
	if got, want := p.Rate(), float64(3<<20)/2; got != want {
		t.Errorf("Rate() = %v, want %v", got, want)
	}
	if got := (backup.Progress{Done: 5}).Rate(); got != 0 {
		t.Errorf("Rate() with no time elapsed = %v, want 0", got)
	}
}
