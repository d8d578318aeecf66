package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/avrdata/avrdata/backup"
)

// TestPrintDecisions prints a prune with unfinished uploads: a line per
// run, then one per upload it aborts.
func TestPrintDecisions(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	upload := func(name string) backup.PendingUpload {
		return backup.PendingUpload{Name: name, Started: at, LastWrite: at.Add(time.Minute), Size: 5 << 20}
	}
	crashed := backup.Decision{Run: backup.Run{ID: "B", Time: at, Bytes: 5 << 20}, Remove: true,
		Reason: "incomplete", Abort: []backup.PendingUpload{upload("B/records.0000")}}
	kept := backup.Decision{Run: backup.Run{ID: "A", Time: at, Complete: true, Bytes: 1024},
		Reason: "newest complete backup", Abort: []backup.PendingUpload{upload("A/records.0001")}}

	tests := []struct {
		dryRun bool
		want   []string
	}{
		{false, []string{
			"remove B 2026-03-01 02:00:00 5.0 MiB incomplete",
			"abort B/records.0000 2026-03-01 02:00:00 5.0 MiB unfinished upload, last written 2026-03-01 02:01:00",
			"keep A 2026-03-01 02:00:00 1.0 KiB newest complete backup",
			"abort A/records.0001 2026-03-01 02:00:00 5.0 MiB unfinished upload, last written 2026-03-01 02:01:00",
		}},
		{true, []string{
			"would remove B 2026-03-01 02:00:00 5.0 MiB incomplete",
			"would abort B/records.0000 2026-03-01 02:00:00 5.0 MiB unfinished upload, last written 2026-03-01 02:01:00",
			"keep A 2026-03-01 02:00:00 1.0 KiB newest complete backup",
			"would abort A/records.0001 2026-03-01 02:00:00 5.0 MiB unfinished upload, last written 2026-03-01 02:01:00",
		}},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		printDecisions(&out, backup.PruneResult{DryRun: tt.dryRun,
			Decisions: []backup.Decision{crashed, kept}})

		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			got = append(got, strings.Join(strings.Fields(line), " "))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("dry run %v: got\n%s\nwant\n%s", tt.dryRun, strings.Join(got, "\n"),
				strings.Join(tt.want, "\n"))
		}
	}
}

func TestPrintPruned(t *testing.T) {
	tests := []struct {
		res  backup.PruneResult
		want string
	}{
		{backup.PruneResult{Backups: 1, Debris: 2, Objects: 7, Bytes: 2048},
			"removed 1 backups and 2 incomplete runs: 7 objects, 2.0 KiB\n"},
		{backup.PruneResult{Debris: 1, Uploads: 2, Bytes: 10 << 20},
			"removed 0 backups and 1 incomplete runs: 0 objects, 2 unfinished uploads aborted, 10.0 MiB\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		printPruned(&out, tt.res)
		if out.String() != tt.want {
			t.Errorf("got %q, want %q", out.String(), tt.want)
		}
	}
}
