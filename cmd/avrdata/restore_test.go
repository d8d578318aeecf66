package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/avrdata/avrdata/integration/testenv"
)

func TestRestoreNoBackup(t *testing.T) {
	dir := t.TempDir()
	env := withEnv(storeEnv(t), "BACKUP_URL", "file://"+dir)

	r := runWith(t, env, nil, "restore", "--verify")
	if r.code != exitFailed || !strings.Contains(r.stderr, "no complete backup at file://"+dir) {
		t.Errorf("got %v, want exit 1 and %q", r, "no complete backup at file://"+dir)
	}
}

// TestRestoreTarget restores into a database of its own: refused while it
// holds rows, done with --force, and the records read back.
func TestRestoreTarget(t *testing.T) {
	env := withEnv(storeEnv(t), "BACKUP_URL", "file://"+t.TempDir())
	data := randomBytes(1<<20 + 333)
	id := putFile(t, env, "recording", "call-1", data)
	mustRun(t, env, "backup")

	target := withEnv(storeEnv(t), "ENCRYPTION_KEY", env["ENCRYPTION_KEY"])
	putFile(t, target, "transcript", "other-call", []byte("not from the backup"))
	r := runWith(t, env, nil, "restore", "--target-database-url", target["DATABASE_URL"])
	if r.code != exitUsage || !strings.Contains(r.stderr, "not empty") || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("restore into a database with rows: got %v, want exit 2 suggesting --force", r)
	}

	out := mustRun(t, env, "restore", "--target-database-url", target["DATABASE_URL"], "--force", "--verify", "--json")
	var rep restoreJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil || !rep.OK || rep.Verified.Records != 1 {
		t.Fatalf("restore --json: got %s (%v), want ok with 1 record verified", out, err)
	}
	if got := getBytes(t, target, "recording", id); string(got) != string(data) {
		t.Errorf("restored recording: got %d bytes, want the %d stored", len(got), len(data))
	}
	if r := runWith(t, target, nil, "ls", "--call", "other-call"); r.stdout != "" {
		t.Errorf("the target's own records survived --force: %v", r)
	}
}

// TestRestoreDrill drills the newest backup and leaves no database behind.
func TestRestoreDrill(t *testing.T) {
	env := withEnv(storeEnv(t), "BACKUP_URL", "file://"+t.TempDir())
	putFile(t, env, "recording", "call-1", randomBytes(50_000))
	mustRun(t, env, "backup")

	out := mustRun(t, env, "restore", "--verify", "--json")
	var rep restoreJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil || !rep.OK ||
		!strings.HasPrefix(rep.Database, "avrdata_drill_") || rep.Verified.Records != 1 {
		t.Fatalf("drill report: got %s (%v), want ok, a drill database, 1 record verified", out, err)
	}

	conn := connectDB(t, map[string]string{"DATABASE_URL": testenv.PostgresServer(t)})
	var left int
	err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_database WHERE datname = $1`,
		rep.Database).Scan(&left)
	if err != nil || left != 0 {
		t.Errorf("drill database %s: %d left (%v), want dropped", rep.Database, left, err)
	}

	var events int
	connectDB(t, env).QueryRow(t.Context(), `SELECT count(*) FROM audit_events
		WHERE (action, outcome) IN (('backup', 'ok'), ('drill', 'ok'))
		  AND detail->>'backup_id' = $1`, rep.Backup).Scan(&events)
	if events != 2 {
		t.Errorf("got %d backup and drill audit events of backup %s, want 2", events, rep.Backup)
	}
}
