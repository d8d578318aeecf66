package main

import (
	"slices"
	"strings"
	"testing"
)

func TestPurgeUsage(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "ENCRYPTION_KEY": newKey(t)}

	checkExits(t, env, []exitCase{
		{[]string{"purge", "--retention-days", "0"}, exitUsage, []string{"--retention-days 0"}},
		{[]string{"purge", "--retention-days", "36501"}, exitUsage, []string{"from 1 to 36500"}},
		{[]string{"purge", "--retention-days", "ten"}, exitUsage, []string{"--retention-days"}},
		{[]string{"purge", "--batch-size", "0"}, exitUsage, []string{"--batch-size 0"}},
		{[]string{"purge", "now"}, exitUsage, []string{"unknown command"}},
		{[]string{"serve", "--purge-batch-size", "-1"}, exitUsage, []string{"--purge-batch-size -1"}},
	})
}

func TestPurgeHelp(t *testing.T) {
	out := mustRun(t, nil, "purge", "--help")

	for _, want := range []string{"AUTO_DELETE", "$DATA_RETENTION_DAYS", "--dry-run", "legal hold"} {
		if !strings.Contains(out, want) {
			t.Errorf("purge --help lacks %q", want)
		}
	}
}

// TestPurgeOutput checks what purge prints: the dry run's list on stdout
// and its counts on stderr, then the real pass's counts on stdout.
func TestPurgeOutput(t *testing.T) {
	env := storeEnv(t)
	gone := putFile(t, env, "transcript", "old", []byte("12345"), "--created-at", "2021-03-04T05:06:07Z")
	putFile(t, env, "transcript", "new", []byte("fresh"))

	dry := runWith(t, env, nil, "purge", "--dry-run")
	lines := strings.Split(strings.TrimSpace(dry.stdout), "\n")
	if dry.code != exitOK || len(lines) != 2 || !strings.HasPrefix(lines[0], "ID ") {
		t.Fatalf("purge --dry-run: got %v, want a header and one line", dry)
	}
	fields := strings.Fields(lines[1])
	if want := []string{gone, "transcript", "old", "2021-03-04T05:06:07Z", "expired"}; len(fields) < len(want) || !slices.Equal(fields[:len(want)], want) {
		t.Errorf("dry run line: got %q, want it to start %q", lines[1], want)
	}
	if !strings.Contains(dry.stderr, "would purge 1 record, 5 bytes") {
		t.Errorf("dry run stderr: got %q, want the counts", dry.stderr)
	}

	pass := runWith(t, env, nil, "purge")
	if pass.code != exitOK || !strings.Contains(pass.stdout, "purged 1 record, 5 bytes and 1 call") {
		t.Errorf("purge: got %v, want the counts on stdout", pass)
	}
	again := runWith(t, env, nil, "purge", "--dry-run")
	if again.stdout != "" || !strings.Contains(again.stderr, "would purge 0 records") {
		t.Errorf("dry run after purge: got %v, want nothing listed", again)
	}
}

// TestPurgeFlagOverridesEnvironment gives a bad DATA_RETENTION_DAYS and a
// good --retention-days: the flag wins.
func TestPurgeFlagOverridesEnvironment(t *testing.T) {
	env := storeEnv(t)
	putFile(t, env, "transcript", "c", []byte("x"), "--created-at", "2000-01-01T00:00:00Z")
	env = withEnv(env, "DATA_RETENTION_DAYS", "forever")

	if r := runWith(t, env, nil, "purge"); r.code != exitUsage {
		t.Errorf("purge with a bad DATA_RETENTION_DAYS: got %v, want exit 2", r)
	}
	r := runWith(t, env, nil, "purge", "--retention-days", "7")
	if r.code != exitOK || !strings.Contains(r.stdout, "purged 1 record") ||
		!strings.Contains(r.stdout, "retention 7 days") {
		t.Errorf("purge --retention-days 7: got %v, want 1 record purged under 7 days", r)
	}
}
