package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

var backupIDLine = regexp.MustCompile(`^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{8}\n$`)

func TestBackupNeedsLocation(t *testing.T) {
	env := storeEnv(t)
	tests := []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"backup"}, "BACKUP_URL: not set"},
		{[]string{"backup", "ls"}, "BACKUP_URL: not set"},
		{[]string{"backup", "prune"}, "BACKUP_URL: not set"},
		{[]string{"restore"}, "BACKUP_URL: not set"},
		{[]string{"backup", "--to", "ftp://host/x"}, `--to: bad backup URL`},
		{[]string{"backup", "--to", "file://relative/x"}, "absolute path"},
		{[]string{"restore", "--from", "s3://"}, "--from: bad backup URL"},
		{[]string{"restore", "--force", "--from", "file:///tmp/x"}, "--force needs --target-database-url"},
	}
	for _, tt := range tests {
		r := runWith(t, env, nil, tt.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("avrdata %s: got %v, want exit 2 and %q", strings.Join(tt.args, " "), r, tt.want)
		}
	}

	r := runWith(t, withEnv(env, "BACKUP_URL", "file:///tmp/x", "BACKUP_RETENTION_DAYS", "forever"), nil,
		"backup", "prune", "--dry-run")
	if r.code != exitUsage || !strings.Contains(r.stderr, "BACKUP_RETENTION_DAYS") {
		t.Errorf("bad BACKUP_RETENTION_DAYS: got %v, want exit 2 naming it", r)
	}
}

func TestBackupHelpNamesVariable(t *testing.T) {
	for _, args := range [][]string{{"backup", "--help"}, {"backup", "ls", "--help"}, {"restore", "--help"}} {
		r := runWith(t, nil, nil, args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "(default: $BACKUP_URL)") {
			t.Errorf("avrdata %s: got %v, want the flag help to name $BACKUP_URL", strings.Join(args, " "), r)
		}
	}
}

// TestBackupListPrune makes two backups and lists and prunes them.
func TestBackupListPrune(t *testing.T) {
	env := withEnv(storeEnv(t), "BACKUP_URL", "file://"+t.TempDir())
	putFile(t, env, "recording", "call-1", randomBytes(100_000))

	var ids []string
	for range 2 {
		out := mustRun(t, env, "backup")
		if !backupIDLine.MatchString(out) {
			t.Fatalf("backup printed %q, want one backup id", out)
		}
		ids = append(ids, strings.TrimSpace(out))
	}

	lines := strings.Split(strings.TrimSpace(mustRun(t, env, "backup", "ls", "--json")), "\n")
	var newest backupJSON
	if err := json.Unmarshal([]byte(lines[0]), &newest); err != nil || len(lines) != 2 {
		t.Fatalf("backup ls --json: got %q (%v), want two lines", lines, err)
	}
	if newest.ID != ids[1] || newest.Records != 1 || newest.Calls != 1 || newest.Bytes == 0 {
		t.Errorf("newest backup: got %+v, want %s with 1 record and 1 call", newest, ids[1])
	}

	out := mustRun(t, env, "backup", "prune", "--dry-run")
	for _, id := range ids {
		if !strings.Contains(out, "keep  "+id) {
			t.Errorf("prune --dry-run printed %q, want %s kept", out, id)
		}
	}
}
