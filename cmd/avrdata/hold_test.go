package main

import (
	"strings"
	"testing"
)

func TestHoldRelease(t *testing.T) {
	env := storeEnv(t)
	putFile(t, env, "recording", "call-1", randomBytes(500), "--caller", "+39 06 1234 5678")

	out := mustRun(t, env, "hold", "call-1", "--reason", "case 2024-117")
	if !strings.Contains(out, "under legal hold") {
		t.Errorf("hold: got %q, want it to say the call is under legal hold", out)
	}
	if recs := lsJSON(t, env, "ls", "--json"); len(recs) != 1 || !recs[0].Held {
		t.Errorf("ls after hold: got %+v, want one held record", recs)
	}

	for _, args := range [][]string{
		{"erase", "--call", "call-1"},
		{"erase", "--caller", "+390612345678"},
	} {
		r := runWith(t, env, nil, args...)
		if r.code != exitFailed || !strings.Contains(r.stderr, "legal hold") ||
			!strings.Contains(r.stderr, "avrdata release") {
			t.Errorf("avrdata %s while held: got %v, want exit 1, the hold and a hint to release",
				strings.Join(args, " "), r)
		}
	}
	if recs := lsJSON(t, env, "ls", "--json"); len(recs) != 1 {
		t.Fatalf("after refused erasures: got %d records, want 1", len(recs))
	}

	mustRun(t, env, "release", "call-1")
	if recs := lsJSON(t, env, "ls", "--json"); len(recs) != 1 || recs[0].Held {
		t.Errorf("ls after release: got %+v, want one record not held", recs)
	}
	mustRun(t, env, "erase", "--call", "call-1")
}

func TestHoldUnknownCall(t *testing.T) {
	env := storeEnv(t)
	for _, args := range [][]string{
		{"hold", "no-such-call", "--reason", "case 1"},
		{"release", "no-such-call"},
	} {
		r := runWith(t, env, nil, args...)
		if r.code != exitFailed || !strings.Contains(r.stderr, "not found") {
			t.Errorf("avrdata %s: got %v, want exit 1 and not found", strings.Join(args, " "), r)
		}
	}
}
