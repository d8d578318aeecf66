package retention

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avrdata/avrdata/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// now is the fixed moment the decision tests decide at.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// rec is a record of call call created age before now.
func rec(n int, kind store.Kind, call string, age time.Duration, held bool) store.Record {
	return store.Record{
		ID:        fmt.Sprintf("00000000-0000-4000-8000-%012d", n),
		Kind:      kind,
		CallID:    call,
		Size:      int64(1000 * n),
		CreatedAt: now.Add(-age),
		Held:      held,
	}
}

var decideCases = []struct {
	name    string
	policy  Policy
	records []store.Record
}{
	{"empty", Days(30), nil},
	{"thirty-days", Days(30), []store.Record{
		rec(1, store.KindRecording, "call-a", 45*day, false),
		rec(2, store.KindTranscript, "call-a", 45*day, false),
		rec(3, store.KindRecording, "call-b", 31*day, false),
		rec(4, store.KindRecording, "call-c", 30*day+time.Second, false),
		rec(5, store.KindRecording, "call-d", 30*day, false), // exactly at the cutoff
		rec(6, store.KindRecording, "call-e", 29*day, false),
		rec(7, store.KindTranscript, "call-f", time.Hour, false),
		rec(8, store.KindTranscript, "call-g", 0, false),
		rec(9, store.KindRecording, "call-h", -2*time.Hour, false), // imported with a clock ahead
	}},
	{"legal-hold", Days(30), []store.Record{
		rec(1, store.KindRecording, "held-1", 400*day, true),
		rec(2, store.KindTranscript, "held-1", 400*day, true),
		rec(3, store.KindRecording, "held-2", 3*day, true),
		rec(4, store.KindRecording, "free-1", 400*day, false),
	}},
	{"one-day", Days(1), []store.Record{
		rec(1, store.KindTranscript, "c1", 3*day, false),
		rec(2, store.KindTranscript, "c2", 25*time.Hour+30*time.Minute, false),
		rec(3, store.KindTranscript, "c3", day+90*time.Second, false),
		rec(4, store.KindTranscript, "c4", day+time.Second, false),
		rec(5, store.KindTranscript, "c5", 23*time.Hour, false),
		rec(6, store.KindTranscript, "c6", day-30*time.Second, false),
	}},
}

func TestDecideGolden(t *testing.T) {
	for _, tc := range decideCases {
		t.Run(tc.name, func(t *testing.T) {
			got := render(Decide(tc.records, tc.policy, now))
			golden(t, filepath.Join("testdata", tc.name+".golden"), got)
		})
	}
}

// render writes a decision as the golden files hold it: one record a line,
// purges first, in the order Decide returned them.
func render(d Decision) string {
	var b strings.Builder
	for _, list := range [][]Verdict{d.Purge, d.Keep} {
		for _, v := range list {
			action := "keep "
			if v.Purge {
				action = "purge"
			}
			r := v.Record
			fmt.Fprintf(&b, "%s %s %-10s %-6s %s held=%-5v %s\n", action, r.ID, r.Kind,
				r.CallID, r.CreatedAt.Format(time.RFC3339), r.Held, v.Reason)
		}
	}
	return b.String()
}

// golden compares got with the file at path, or rewrites the file under
// -update.
func golden(t *testing.T, path, got string) {
	t.Helper()

	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatalf("update golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("decision differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s",
			path, got, want)
	}
}

func TestDecideKeepsEveryRecordOnce(t *testing.T) {
	for _, tc := range decideCases {
		d := Decide(tc.records, tc.policy, now)
		if got := len(d.Purge) + len(d.Keep); got != len(tc.records) {
			t.Errorf("%s: got %d verdicts, want %d", tc.name, got, len(tc.records))
		}
		for _, v := range d.Purge {
			if v.Record.Held || !v.Purge {
				t.Errorf("%s: record %s in the purge list (held %v, purge %v)",
					tc.name, v.Record.ID, v.Record.Held, v.Purge)
			}
		}
	}
}

func TestSpan(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{59 * time.Second, "59s"},
		{time.Minute, "1m"},
		{59*time.Minute + 59*time.Second, "59m"},
		{time.Hour, "1h"},
		{23*time.Hour + 59*time.Minute, "23h"},
		{day, "1d"},
		{36 * time.Hour, "1d"},
		{400 * day, "400d"},
	}
	for _, tt := range tests {
		if got := span(tt.d); got != tt.want {
			t.Errorf("span(%v): got %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		policy Policy
		ok     bool
	}{
		{Days(30), true},
		{Policy{Retention: time.Hour}, true},
		{Days(0), false},
		{Policy{Retention: -time.Hour}, false},
	}
	for _, tt := range tests {
		err := tt.policy.Validate()
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrBadPolicy)) {
			t.Errorf("Validate(%v): got %v, want ok %v", tt.policy.Retention, err, tt.ok)
		}
	}
}
