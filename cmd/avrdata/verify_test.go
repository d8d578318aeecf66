package main

import (
	"strings"
	"testing"
)

func TestVerify(t *testing.T) {
	env := storeEnv(t)
	rec := putFile(t, env, "recording", "call-1", randomBytes(2<<20+10), "--caller", "+390612345678")
	tr := putFile(t, env, "transcript", "call-2", []byte(strings.Repeat("hello ", 100)))
	mustRun(t, env, "hold", "call-2", "--reason", "case 9")

	out := mustRun(t, env, "verify")
	if want := "verified 2 records (2097762 bytes) and 2 calls: 0 failed\n"; out != want {
		t.Errorf("clean store: got %q, want %q", out, want)
	}

	flipByte(t, env, tr, 0)
	r := runWith(t, env, nil, "verify")

	if r.code != exitFailed {
		t.Errorf("damaged store: got %v, want exit 1", r)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "1 failed") {
		t.Fatalf("got report %q, want counts, a header and one failure", r.stdout)
	}
	got := strings.Fields(lines[2])
	if len(got) < 3 || got[0] != "transcript" || got[1] != tr || got[2] != "call-2" {
		t.Errorf("got failure line %q, want transcript %s call-2", lines[2], tr)
	}
	if strings.Contains(r.stdout, rec) {
		t.Errorf("report %q names the good recording %s", r.stdout, rec)
	}
	if !strings.Contains(r.stderr, "verify: 1 failure") {
		t.Errorf("stderr %q does not say how many failed", r.stderr)
	}
}
