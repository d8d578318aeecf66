package main

import (
	"bytes"
	"strings"
	"testing"
)

// stored is a record put by a test, with its content.
type stored struct {
	kind, id string
	data     []byte
}

// putSome stores a recording and a transcript of a call with a caller
// number, and a recording of a call without one.
func putSome(t *testing.T, env map[string]string) []stored {
	t.Helper()

	recs := []stored{
		{kind: "recording", data: randomBytes(1<<20 + 3)},
		{kind: "transcript", data: []byte("agent: hello")},
		{kind: "recording", data: randomBytes(10)},
	}
	recs[0].id = putFile(t, env, "recording", "call-1", recs[0].data, "--caller", "+39 06 1234 5678")
	recs[1].id = putFile(t, env, "transcript", "call-1", recs[1].data)
	recs[2].id = putFile(t, env, "recording", "call-2", recs[2].data)
	return recs
}

// checkReadable fails t unless every record reads back as stored.
func checkReadable(t *testing.T, env map[string]string, recs []stored) {
	t.Helper()

	for _, r := range recs {
		if got := getBytes(t, env, r.kind, r.id); !bytes.Equal(got, r.data) {
			t.Errorf("%s %s: got %d bytes, want the %d stored", r.kind, r.id, len(got), len(r.data))
		}
	}
}

func TestKeysRotateRewrap(t *testing.T) {
	env := storeEnv(t)
	recs := putSome(t, env)

	out := mustRun(t, env, "keys", "rotate", "--rewrap")

	// Three records and the sealed metadata of call-1.
	if !strings.Contains(out, "re-wrapped 4 data keys under it; 0 data keys already were") {
		t.Errorf("got %q, want 4 data keys re-wrapped", out)
	}
	checkReadable(t, env, recs)
	mustRun(t, env, "verify")

	out = mustRun(t, env, "keys", "rotate")
	if strings.Contains(out, "re-wrapped") {
		t.Errorf("rotate without --rewrap: got %q, want no re-wrapping", out)
	}
	checkReadable(t, env, recs)
}

func TestKeysRotateRoot(t *testing.T) {
	env := storeEnv(t)
	recs := putSome(t, env)
	oldKey, newKey := env["ENCRYPTION_KEY"], newKey(t)
	rotating := withEnv(env, "ENCRYPTION_KEY", newKey, "ENCRYPTION_KEY_PREVIOUS", oldKey)

	r := runWith(t, rotating, nil, "keys", "rotate-root")

	if r.code != exitOK || !strings.Contains(r.stderr, "Restart every other avrdata process") {
		t.Fatalf("got %v, want exit 0 and the advice to restart", r)
	}
	after := withEnv(env, "ENCRYPTION_KEY", newKey)
	checkReadable(t, after, recs)
	mustRun(t, after, "verify")

	r = runWith(t, env, nil, "ls")
	if r.code != exitUsage || !strings.Contains(r.stderr, "ENCRYPTION_KEY: does not match") {
		t.Errorf("old key after rotate-root: got %v, want exit 2 and the wrong-key message", r)
	}
	mustRun(t, rotating, "keys", "rotate-root") // again: nothing to do

	out := mustRun(t, after, "erase", "--caller", "0039 06 1234 5678")
	if !strings.Contains(out, "erased 1 call of the caller: 2 records") {
		t.Errorf("erase by caller after rotate-root: got %q, want call-1 erased", out)
	}
}

// TestWrongKeyWritesNothing runs every store command with a key that is
// not the store's: each exits 2 with the wrong-key message, and no table
// changes.
func TestWrongKeyWritesNothing(t *testing.T) {
	env := storeEnv(t)
	recs := putSome(t, env)
	mustRun(t, env, "hold", "call-2", "--reason", "case 3")
	wrong := withEnv(env, "ENCRYPTION_KEY", newKey(t))
	file := writeFile(t, t.TempDir(), "in", randomBytes(1<<20+5))
	outDir := t.TempDir()
	out := outDir + "/out"

	commands := [][]string{
		{"put", "recording", "--call", "call-3", file},
		{"put", "transcript", "--call", "call-1", "--caller", "+3906", file},
		{"get", "recording", recs[0].id},
		{"get", "transcript", recs[1].id, "-o", out},
		{"ls"},
		{"ls", "--call", "call-1", "--json"},
		{"hold", "call-1", "--reason", "case 4"},
		{"release", "call-2"},
		{"erase", "--call", "call-1"},
		{"erase", "--caller", "+39 06 1234 5678"},
		{"verify"},
		{"keys", "rotate"},
		{"keys", "rotate", "--rewrap"},
	}
	before := tableDigests(t, env)
	for _, args := range commands {
		r := runWith(t, wrong, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "ENCRYPTION_KEY: does not match") {
			t.Errorf("avrdata %s: got %v, want exit 2 and the wrong-key message", strings.Join(args, " "), r)
		}
		compareDigests(t, strings.Join(args, " "), before, tableDigests(t, env))
	}
	if names := dirNames(t, outDir); len(names) != 0 {
		t.Errorf("get -o with the wrong key left files %q", names)
	}

	r := runWith(t, withEnv(wrong, "ENCRYPTION_KEY_PREVIOUS", newKey(t)), nil, "keys", "rotate-root")
	if r.code != exitUsage || !strings.Contains(r.stderr, "ENCRYPTION_KEY_PREVIOUS: does not match") {
		t.Errorf("keys rotate-root: got %v, want exit 2 naming ENCRYPTION_KEY_PREVIOUS", r)
	}
	compareDigests(t, "keys rotate-root", before, tableDigests(t, env))

	// migrate does not read the key; on a migrated database it writes nothing.
	mustRun(t, wrong, "migrate")
	compareDigests(t, "migrate", before, tableDigests(t, env))
	checkReadable(t, env, recs)
}
