package main

import (
	"strings"
	"testing"
)

func TestEraseCall(t *testing.T) {
	env := storeEnv(t)
	putFile(t, env, "recording", "call-1", randomBytes(1000))
	putFile(t, env, "transcript", "call-1", []byte("hello"))
	kept := putFile(t, env, "recording", "call-2", randomBytes(10))

	out := mustRun(t, env, "erase", "--call", "call-1")

	if want := "erased call call-1: 2 records, 1005 bytes\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
	if recs := lsJSON(t, env, "ls", "--json"); len(recs) != 1 || recs[0].ID != kept {
		t.Errorf("got %+v, want only %s left", recs, kept)
	}
	r := runWith(t, env, nil, "erase", "--call", "call-1")
	if r.code != exitFailed || !strings.Contains(r.stderr, "not found") {
		t.Errorf("erasing it again: got %v, want exit 1 and not found", r)
	}
}

func TestEraseCaller(t *testing.T) {
	// Each spelling is stored once and asked for once, by another call.
	spellings := []string{"+39 06 1234 5678", "0039-06-1234-5678", "(+39) 06.1234.5678"}
	for i, stored := range spellings {
		asked := spellings[(i+1)%len(spellings)]
		t.Run(stored+" as "+asked, func(t *testing.T) {
			testEraseCaller(t, stored, asked)
		})
	}
}

func testEraseCaller(t *testing.T, stored, asked string) {
	env := storeEnv(t)
	putFile(t, env, "recording", "call-1", randomBytes(100), "--caller", stored)
	putFile(t, env, "transcript", "call-2", []byte("hi"), "--caller", stored)
	other := putFile(t, env, "recording", "call-3", randomBytes(10), "--caller", "+39 06 1234 5679")

	r := runWith(t, env, nil, "erase", "--caller", asked)

	want := "erased 2 calls of the caller: 2 records, 102 bytes\n"
	if r.code != exitOK || r.stdout != want {
		t.Errorf("got %v, want exit 0 and %q", r, want)
	}
	if strings.Contains(r.stdout+r.stderr, "1234") {
		t.Errorf("output %q names the number", r.stdout+r.stderr)
	}
	if recs := lsJSON(t, env, "ls", "--json"); len(recs) != 1 || recs[0].ID != other {
		t.Errorf("got %+v, want only the other caller's %s", recs, other)
	}
}
