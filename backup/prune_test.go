package backup_test

import (
	"slices"
	"testing"
	"time"

	"github.com/avrdata/avrdata/backup"
)

func TestPlan(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	run := func(id string, age time.Duration, complete bool, lastWrite time.Duration) backup.Run {
		return backup.Run{ID: id, Time: now.Add(-age), Complete: complete, LastWrite: now.Add(-lastWrite)}
	}

	tests := []struct {
		name   string
		runs   []backup.Run
		remove []string
	}{
		{"nothing", nil, nil},
		{"old backups go", []backup.Run{
			run("3", 1*day, true, 1*day), run("2", 20*day, true, 20*day), run("1", 40*day, true, 40*day),
		}, []string{"1"}},
		{"the newest stays however old", []backup.Run{
			run("2", 50*day, true, 50*day), run("1", 60*day, true, 60*day),
		}, []string{"1"}},
		{"a crashed run goes after the grace period", []backup.Run{
			run("3", 3*time.Hour, false, 2*time.Hour), run("1", 2*day, true, 2*day),
		}, []string{"3"}},
		{"a quiet run older than the newest backup goes", []backup.Run{
			run("3", time.Minute, true, 0), run("2", 20*time.Minute, false, 10*time.Minute),
		}, []string{"2"}},
		{"a running backup stays", []backup.Run{
			run("3", 20*time.Minute, false, time.Minute), run("2", 2*day, true, 2*day),
		}, nil},
		{"a run still writing after the newest began stays", []backup.Run{
			run("3", 5*time.Minute, true, 0), run("2", 20*time.Minute, false, time.Minute),
		}, nil},
	}
	for _, tt := range tests {
		decisions := backup.Plan(tt.runs, now, 30*day, time.Hour)

		var removed []string
		for _, d := range decisions {
			if d.Reason == "" {
				t.Errorf("%s: run %s has no reason", tt.name, d.ID)
			}
			if d.Remove {
				removed = append(removed, d.ID)
			}
		}
		if len(decisions) != len(tt.runs) || !slices.Equal(removed, tt.remove) {
			t.Errorf("%s: got %d decisions removing %q, want %d removing %q",
				tt.name, len(decisions), removed, len(tt.runs), tt.remove)
		}
	}
}
