package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestLs(t *testing.T) {
	env := storeEnv(t)
	rec := putFile(t, env, "recording", "call-1", randomBytes(3000), "--created-at", "2024-05-01T10:00:00Z")
	tr := putFile(t, env, "transcript", "call-2", []byte("hello"), "--created-at", "2024-05-02T10:00:00Z")
	mustRun(t, env, "hold", "call-2", "--reason", "case 7")

	t.Run("text", func(t *testing.T) {
		lines := strings.Split(strings.TrimSuffix(mustRun(t, env, "ls"), "\n"), "\n")
		want := [][]string{
			{"ID", "KIND", "CALL", "SIZE", "CREATED", "EXPIRES", "HELD"},
			{rec, "recording", "call-1", "3000", "2024-05-01T10:00:00Z", "2024-05-31T10:00:00Z", "no"},
			{tr, "transcript", "call-2", "5", "2024-05-02T10:00:00Z", "2024-06-01T10:00:00Z", "yes"},
		}
		if len(lines) != len(want) {
			t.Fatalf("got %d lines, want %d: %q", len(lines), len(want), lines)
		}
		for i, line := range lines {
			if got := strings.Fields(line); strings.Join(got, " ") != strings.Join(want[i], " ") {
				t.Errorf("line %d: got %q, want %q", i, got, want[i])
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		got := lsJSON(t, env, "ls", "--json")
		if len(got) != 2 || got[0].ID != rec || got[1].ID != tr {
			t.Fatalf("got %+v, want the recording then the transcript", got)
		}
		if got[1].Held != true || got[1].Size != 5 || got[1].Kind != "transcript" ||
			got[1].CallID != "call-2" || got[1].ContentType != "text/plain" {
			t.Errorf("got %+v, want held transcript of call-2, 5 bytes, text/plain", got[1])
		}
		wantExp := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
		if !got[1].ExpiresAt.Equal(wantExp) {
			t.Errorf("got expiry %v, want %v", got[1].ExpiresAt, wantExp)
		}
	})

	t.Run("one call", func(t *testing.T) {
		got := lsJSON(t, env, "ls", "--call", "call-1", "--json")
		if len(got) != 1 || got[0].ID != rec {
			t.Errorf("got %+v, want only %s", got, rec)
		}
	})

	t.Run("retention in force", func(t *testing.T) {
		got := lsJSON(t, withEnv(env, "DATA_RETENTION_DAYS", "7"), "ls", "--json")
		want := time.Date(2024, 5, 8, 10, 0, 0, 0, time.UTC)
		if len(got) == 0 || !got[0].ExpiresAt.Equal(want) {
			t.Errorf("got %+v, want the first record to expire at %v", got, want)
		}
	})

	t.Run("no records", func(t *testing.T) {
		if out := mustRun(t, env, "ls", "--call", "call-3"); out != "" {
			t.Errorf("got %q, want nothing on stdout", out)
		}
	})
}

// lsJSON runs an ls --json command and decodes its lines.
func lsJSON(t *testing.T, env map[string]string, args ...string) []recordJSON {
	t.Helper()

	var recs []recordJSON
	sc := bufio.NewScanner(strings.NewReader(mustRun(t, env, args...)))
	for sc.Scan() {
		var r recordJSON
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}
