package main

import (
	"strings"
	"testing"

	"github.com/avrdata/avrdata/integration/testenv"
)

// exitCase is a command line, the exit status it must end with, and
// phrases its stderr must hold.
type exitCase struct {
	args []string
	code int
	want []string
}

func checkExits(t *testing.T, env map[string]string, tests []exitCase) {
	t.Helper()

	for _, tt := range tests {
		r := runWith(t, env, nil, tt.args...)
		if r.code != tt.code {
			t.Errorf("avrdata %s: got %v, want exit %d", strings.Join(tt.args, " "), r, tt.code)
			continue
		}
		for _, want := range tt.want {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("avrdata %s: stderr %q lacks %q", strings.Join(tt.args, " "), r.stderr, want)
			}
		}
	}
}

// TestUsageErrors covers command lines refused before any connection.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "in.wav", []byte("audio"))
	env := map[string]string{
		"DATABASE_URL":   "postgres://nobody@127.0.0.1:1/none",
		"ENCRYPTION_KEY": newKey(t),
	}

	checkExits(t, env, []exitCase{
		{[]string{"put"}, exitUsage, []string{"put recording"}},
		{[]string{"put", "video", file}, exitUsage, []string{"unknown command"}},
		{[]string{"put", "recording", file}, exitUsage, []string{"--call is required"}},
		{[]string{"put", "recording", "--call", "c"}, exitUsage, []string{"accepts 1 arg"}},
		{[]string{"put", "recording", "--call", "bad id!", file}, exitUsage, []string{"bad call id"}},
		{[]string{"put", "recording", "--call", "c", "--created-at", "yesterday", file}, exitUsage,
			[]string{"--created-at", "RFC 3339"}},
		{[]string{"put", "recording", "--call", "c", dir + "/missing.wav"}, exitUsage,
			[]string{dir + "/missing.wav", "no such file or directory"}},
		{[]string{"put", "recording", "--call", "c", dir}, exitUsage, []string{dir, "is a directory"}},
		{[]string{"put", "recording", "--call", "c", "--caller", "12", file}, exitUsage,
			[]string{"--caller", "bad phone number"}},
		{[]string{"put", "transcript", "--call", "c", "--caller", "call me", file}, exitUsage,
			[]string{"bad phone number"}},
		{[]string{"get"}, exitUsage, []string{"get recording"}},
		{[]string{"get", "recording"}, exitUsage, []string{"accepts 1 arg"}},
		{[]string{"ls", "--call", "bad id!"}, exitUsage, []string{"bad call id"}},
		{[]string{"hold", "c"}, exitUsage, []string{"--reason is required"}},
		{[]string{"hold", "bad id!", "--reason", "x"}, exitUsage, []string{"bad call id"}},
		{[]string{"release"}, exitUsage, []string{"accepts 1 arg"}},
		{[]string{"erase"}, exitUsage, []string{"--call ID or --caller NUMBER"}},
		{[]string{"erase", "--call", "c", "--caller", "+3906"}, exitUsage, []string{"not both"}},
		{[]string{"erase", "--caller", "12"}, exitUsage, []string{"bad phone number"}},
		{[]string{"migrate", "down"}, exitUsage, []string{"invalid argument"}},
		{[]string{"keys"}, exitUsage, []string{"keys rotate"}},
		{[]string{"keys", "rotate", "extra"}, exitUsage, []string{"unknown command"}},
	})
}

// TestConfigurationErrors covers the environment: each problem is exit 2
// and names the variable.
func TestConfigurationErrors(t *testing.T) {
	key := newKey(t)
	db := "postgres://u@h/d" // never reached
	tests := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"ENCRYPTION_KEY": key}, []string{"DATABASE_URL: not set"}},
		{map[string]string{"DATABASE_URL": db},
			[]string{"ENCRYPTION_KEY: not set", "avrdata keygen"}},
		{map[string]string{"DATABASE_URL": db, "ENCRYPTION_KEY": "c2hvcnQ="},
			[]string{"ENCRYPTION_KEY", "decodes to 5 bytes, want 32"}},
		{map[string]string{"DATABASE_URL": db, "ENCRYPTION_KEY_FILE": "/no/such/key"},
			[]string{"ENCRYPTION_KEY_FILE", "/no/such/key"}},
		{map[string]string{"DATABASE_URL": db, "ENCRYPTION_KEY": key, "DATA_RETENTION_DAYS": "0"},
			[]string{"DATA_RETENTION_DAYS"}},
	}
	for _, tt := range tests {
		checkExits(t, tt.env, []exitCase{{[]string{"ls"}, exitUsage, tt.want}})
	}

	r := runWith(t, map[string]string{"ENCRYPTION_KEY": key}, nil, "keys", "rotate-root")
	if r.code != exitUsage || !strings.Contains(r.stderr, "ENCRYPTION_KEY_PREVIOUS: not set") {
		t.Errorf("rotate-root without the previous key: got %v, "+
			"want exit 2 naming ENCRYPTION_KEY_PREVIOUS", r)
	}
}

// TestDatabaseErrors covers a database that does not answer and one that
// is not migrated.
func TestDatabaseErrors(t *testing.T) {
	key := newKey(t)
	down := map[string]string{
		"DATABASE_URL":   "postgres://avrdata:hunter2secret@127.0.0.1:1/avrdata?connect_timeout=5",
		"ENCRYPTION_KEY": key,
	}
	for _, args := range [][]string{{"ls"}, {"migrate"}, {"migrate", "status"}} {
		r := runWith(t, down, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "cannot connect to the database") {
			t.Errorf("avrdata %s, database down: got %v, want exit 2, cannot connect", args[0], r)
		}
		if strings.Contains(r.stderr, "hunter2secret") {
			t.Errorf("avrdata %s: stderr %q holds the password", args[0], r.stderr)
		}
	}

	empty := map[string]string{"DATABASE_URL": testenv.Postgres(t), "ENCRYPTION_KEY": key}
	checkExits(t, empty, []exitCase{
		{[]string{"ls"}, exitUsage, []string{"not migrated", `run "avrdata migrate"`}},
		{[]string{"verify"}, exitUsage, []string{"not migrated"}},
	})
}

// TestNotFound covers ids that are well formed but match nothing.
func TestNotFound(t *testing.T) {
	env := storeEnv(t)
	checkExits(t, env, []exitCase{
		{[]string{"get", "recording", "not-a-uuid"}, exitUsage, []string{"bad record id"}},
		{[]string{"get", "recording", "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b"}, exitFailed,
			[]string{"not found", "avrdata ls"}},
		{[]string{"get", "transcript", "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b", "-o", t.TempDir() + "/x"},
			exitFailed, []string{"not found"}},
		{[]string{"erase", "--call", "no-such-call"}, exitFailed, []string{"not found"}},
	})

	out := mustRun(t, env, "erase", "--caller", "+39 06 1234 5678")
	if want := "erased 0 calls of the caller: 0 records, 0 bytes\n"; out != want {
		t.Errorf("erase of an unknown caller: got %q, want %q", out, want)
	}
}
