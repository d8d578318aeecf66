package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestGetOutputFile(t *testing.T) {
	env := storeEnv(t)
	data := randomBytes(2<<20 + 100)
	good := putFile(t, env, "recording", "call-1", data)
	bad := putFile(t, env, "recording", "call-1", data)
	flipByte(t, env, bad, 1)

	t.Run("good record", func(t *testing.T) {
		dir := t.TempDir()
		out := writeFile(t, dir, "out.wav", []byte("old content"))

		mustRun(t, env, "get", "recording", good, "-o", out)

		if got := readFile(t, out); !bytes.Equal(got, data) {
			t.Errorf("got %d bytes, want the %d put", len(got), len(data))
		}
		if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
			t.Errorf("got mode %v, want 0600", fi.Mode().Perm())
		}
		if names := dirNames(t, dir); !slices.Equal(names, []string{"out.wav"}) {
			t.Errorf("got files %q, want only out.wav", names)
		}
	})

	t.Run("damaged record, new file", func(t *testing.T) {
		dir := t.TempDir()
		r := runWith(t, env, nil, "get", "recording", bad, "-o", filepath.Join(dir, "out.wav"))

		if r.code != exitFailed || !strings.Contains(r.stderr, "integrity check failed") {
			t.Errorf("got %v, want exit 1 and the integrity error", r)
		}
		if strings.Contains(r.stderr, "discard") {
			t.Errorf("got %q, which speaks of bytes to discard; the file was never written", r.stderr)
		}
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("got files %q, want none", names)
		}
	})

	t.Run("damaged record, existing file", func(t *testing.T) {
		dir := t.TempDir()
		out := writeFile(t, dir, "out.wav", []byte("old content"))

		r := runWith(t, env, nil, "get", "recording", bad, "-o", out)

		if r.code != exitFailed {
			t.Errorf("got %v, want exit 1", r)
		}
		if got := readFile(t, out); string(got) != "old content" {
			t.Errorf("got %d bytes in the file, want its old content", len(got))
		}
		if names := dirNames(t, dir); !slices.Equal(names, []string{"out.wav"}) {
			t.Errorf("got files %q, want only out.wav", names)
		}
	})

	t.Run("dev null", func(t *testing.T) {
		mustRun(t, env, "get", "recording", good, "-o", os.DevNull)

		if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode().IsRegular() {
			t.Errorf("%s is no longer a device: %v, %v", os.DevNull, fi.Mode(), err)
		}
	})
}

func TestGetDamagedToStdout(t *testing.T) {
	env := storeEnv(t)
	id := putFile(t, env, "recording", "call-1", randomBytes(2<<20+100))
	flipByte(t, env, id, 1)

	r := runWith(t, env, nil, "get", "recording", id)

	if r.code != exitFailed {
		t.Errorf("got exit %d, want 1", r.code)
	}
	// The first chunk is good and went out before the second failed.
	for _, want := range []string{"integrity check failed", "already written to stdout", "discard"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q lacks %q", r.stderr, want)
		}
	}
	if len(r.stdout) > 1<<20 {
		t.Errorf("got %d bytes on stdout, want at most the first chunk's", len(r.stdout))
	}
}

func TestGetWrongKind(t *testing.T) {
	env := storeEnv(t)
	rec := putFile(t, env, "recording", "call-1", []byte("audio"))
	tr := putFile(t, env, "transcript", "call-1", []byte("text"))

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"get", "transcript", rec}, "it is a recording"},
		{[]string{"get", "recording", tr}, "it is a transcript"},
	}
	for _, tt := range tests {
		r := runWith(t, env, nil, tt.args...)
		if r.code != exitFailed || !strings.Contains(r.stderr, "not found") ||
			!strings.Contains(r.stderr, tt.want) {
			t.Errorf("avrdata %s: got %v, want exit 1, not found, %q",
				strings.Join(tt.args, " "), r, tt.want)
		}
		if r.stdout != "" {
			t.Errorf("avrdata %s: got stdout %q, want none", strings.Join(tt.args, " "), r.stdout)
		}
	}
}
