package main

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/avrdata/avrdata/backup"
)

const mib = 1 << 20

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name  string
		p     backup.Progress
		width int
		want  string
	}{
		{
			name:  "known total mid-way",
			p:     backup.Progress{Op: "backup", Object: "records", Done: 128 * mib, Total: 256 * mib, Elapsed: 2 * time.Second},
			width: 100,
			want:  "records [===============>              ]  50% 128.0 MiB/~256.0 MiB 64.0 MiB/s 2s left",
		},
		{
			name:  "restore total is exact",
			p:     backup.Progress{Op: "restore", Object: "calls.0000", Done: 3 * mib, Total: 12 * mib, Elapsed: time.Second},
			width: 100,
			want:  "calls.0000 [=======>                      ]  25% 3.0 MiB/12.0 MiB 3.0 MiB/s 3s left",
		},
		{
			name:  "nothing done yet",
			p:     backup.Progress{Op: "backup", Object: "key_check", Total: 10 * mib},
			width: 80,
			want:  "key_check [>                   ]   0% 0 B/~10.0 MiB 0 B/s",
		},
		{
			name:  "estimate exceeded",
			p:     backup.Progress{Op: "backup", Object: "audit_events", Done: 300 * mib, Total: 256 * mib, Elapsed: 3 * time.Second},
			width: 100,
			want:  "audit_events [==============================]  99% 300.0 MiB/~256.0 MiB 100.0 MiB/s",
		},
		{
			name:  "unknown total",
			p:     backup.Progress{Op: "backup", Object: "records", Done: 5 * mib, Elapsed: 2 * time.Second},
			width: 100,
			want:  "records 5.0 MiB 2.5 MiB/s",
		},
		{
			name: "final",
			p: backup.Progress{Op: "backup", Backup: "20260301T020000.000Z-1a2b3c4d", Object: "audit_events",
				Done: 270 * mib, Total: 256 * mib, Elapsed: 2700 * time.Millisecond, Final: true},
			width: 120,
			want:  "backup 20260301T020000.000Z-1a2b3c4d 100% 270.0 MiB in 2.7s 100.0 MiB/s",
		},
		{
			name: "final, unknown total",
			p: backup.Progress{Op: "restore", Backup: "20260301T020000.000Z-1a2b3c4d", Object: "records.0000",
				Done: 512, Elapsed: 250 * time.Millisecond, Final: true},
			width: 80,
			want:  "restore 20260301T020000.000Z-1a2b3c4d 512 B in 250ms 2.0 KiB/s",
		},
		{
			name:  "narrow: a shorter bar",
			p:     backup.Progress{Op: "backup", Object: "records", Done: 128 * mib, Total: 256 * mib, Elapsed: 2 * time.Second},
			width: 80,
			want:  "records [===========>          ]  50% 128.0 MiB/~256.0 MiB 64.0 MiB/s 2s left",
		},
		{
			name:  "narrower: a shortened name",
			p:     backup.Progress{Op: "restore", Object: "record_chunks.0000", Done: 128 * mib, Total: 256 * mib, Elapsed: 2 * time.Second},
			width: 70,
			want:  "record_c… [=====>    ]  50% 128.0 MiB/256.0 MiB 64.0 MiB/s 2s left",
		},
		{
			name:  "narrower still: no bar",
			p:     backup.Progress{Op: "backup", Object: "records", Done: 128 * mib, Total: 256 * mib, Elapsed: 2 * time.Second},
			width: 60,
			want:  "records  50% 128.0 MiB/~256.0 MiB 64.0 MiB/s 2s left",
		},
		{
			name:  "narrowest: cut",
			p:     backup.Progress{Op: "backup", Object: "records", Done: 128 * mib, Total: 256 * mib, Elapsed: 2 * time.Second},
			width: 30,
			want:  "records  50% 128.0 MiB/~256.0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := progressLine(tt.p, tt.width); got != tt.want {
				t.Errorf("got\n%q, want\n%q", got, tt.want)
			}
		})
	}
}

// TestProgressLineFits renders lines of every kind at every width and
// checks that none would wrap.
func TestProgressLineFits(t *testing.T) {
	progress := []backup.Progress{
		{Op: "backup", Object: "record_chunks", Done: 3 * mib, Total: 7 * mib, Elapsed: time.Second},
		{Op: "restore", Object: "récords.0000", Done: 1 << 40, Total: 1 << 41, Elapsed: time.Hour},
		{Op: "backup", Object: "records", Done: 5 * mib, Elapsed: time.Second},
		{Op: "backup", Backup: "20260301T020000.000Z-1a2b3c4d", Done: 5 * mib, Total: 4 * mib,
			Elapsed: time.Second, Final: true},
	}
	for _, p := range progress {
		for width := 0; width <= 200; width++ {
			line := progressLine(p, width)
			if n := utf8.RuneCountInString(line); n > max(width-1, 0) {
				t.Fatalf("width %d: got %d runes %q, want at most %d", width, n, line, width-1)
			}
			if !utf8.ValidString(line) {
				t.Fatalf("width %d: got %q, not valid UTF-8", width, line)
			}
		}
	}
}

// TestProgressBarGrows checks that the bar fills as the work is done and
// that only the final report shows 100%.
func TestProgressBarGrows(t *testing.T) {
	bar := regexp.MustCompile(`\[(=*)>? *\]\s+(\d+)%`)
	prevFilled, prevPercent := -1, -1
	for done := int64(0); done <= 12*mib; done += mib / 2 {
		p := backup.Progress{Op: "backup", Object: "records", Done: done, Total: 10 * mib, Elapsed: time.Second}
		m := bar.FindStringSubmatch(progressLine(p, 120))
		if m == nil {
			t.Fatalf("done %d: no bar in %q", done, progressLine(p, 120))
		}
		filled, percent := len(m[1]), mustAtoi(t, m[2])
		if filled < prevFilled || percent < prevPercent || percent > 99 {
			t.Fatalf("done %d: got %d cells and %d%% after %d and %d%%, want growing and at most 99%%",
				done, filled, percent, prevFilled, prevPercent)
		}
		prevFilled, prevPercent = filled, percent
	}
	if prevFilled != maxBarCells {
		t.Errorf("estimate exceeded: got %d cells filled, want all %d", prevFilled, maxBarCells)
	}
}

func TestDevNullIsNoTerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	if isTerminal(f) {
		t.Errorf("isTerminal(%s) = true, want false", os.DevNull)
	}
}

// TestProgressToFile runs a backup and a restore drill with stderr on a
// file: progress comes as log lines, with no bar and no carriage return.
func TestProgressToFile(t *testing.T) {
	env := withEnv(storeEnv(t), "BACKUP_URL", "file://"+t.TempDir())
	putFile(t, env, "recording", "call-1", randomBytes(mib))

	for _, args := range [][]string{{"backup"}, {"restore"}} {
		stderr, err := os.Create(t.TempDir() + "/stderr")
		if err != nil {
			t.Fatal(err)
		}
		code, _ := runStderr(env, stderr, args...)
		stderr.Close()

		out := string(readFile(t, stderr.Name()))
		if code != exitOK || strings.Contains(out, "\r") || strings.Contains(out, "[=") ||
			!strings.Contains(out, `msg="`+args[0]+` progress"`) {
			t.Errorf("avrdata %s: got exit %d, stderr %q; want exit 0 and log lines only", args[0], code, out)
		}
	}
}

// runStderr runs avrdata in-process with environment env and stderr, and
// returns its exit status and stdout.
func runStderr(env map[string]string, stderr *os.File, args ...string) (int, string) {
	var stdout strings.Builder
	getenv := func(name string) string { return env[name] }
	code := newApp(strings.NewReader(""), &stdout, stderr, getenv).run(context.Background(), args)
	return code, stdout.String()
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()

	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
