package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

var uuidLine = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n$`)

func TestPutGetRoundTrip(t *testing.T) {
	env := storeEnv(t)
	tests := []struct {
		kind string
		data []byte
	}{
		{"recording", randomBytes(2<<20 + 12345)}, // three chunks, the last one short
		{"recording", nil},
		{"transcript", []byte("caller: hello\nagent: how can I help?\n")},
		{"transcript", nil},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		in := writeFile(t, dir, "in", tt.data)

		r := runWith(t, env, nil, "put", tt.kind, "--call", "call-1", in)
		if r.code != exitOK || !uuidLine.MatchString(r.stdout) {
			t.Fatalf("put %s of %d bytes: got %v, want exit 0 and only an id on stdout",
				tt.kind, len(tt.data), r)
		}
		id := strings.TrimSpace(r.stdout)

		out := dir + "/out"
		mustRun(t, env, "get", tt.kind, id, "-o", out)
		if got := readFile(t, out); !bytes.Equal(got, tt.data) {
			t.Errorf("get %s -o: got %d bytes, want the %d put", tt.kind, len(got), len(tt.data))
		}
		if got := getBytes(t, env, tt.kind, id); !bytes.Equal(got, tt.data) {
			t.Errorf("get %s to stdout: got %d bytes, want the %d put", tt.kind, len(got), len(tt.data))
		}
	}
}

func TestPutFromStdin(t *testing.T) {
	env := storeEnv(t)
	data := randomBytes(1<<20 + 7)

	r := runWith(t, env, bytes.NewReader(data), "put", "recording", "--call", "call-1", "-")
	if r.code != exitOK {
		t.Fatalf("put recording -: got %v, want exit 0", r)
	}

	got := getBytes(t, env, "recording", strings.TrimSpace(r.stdout))
	if !bytes.Equal(got, data) {
		t.Errorf("got %d bytes back, want the %d bytes of stdin", len(got), len(data))
	}
}

func TestPutOptions(t *testing.T) {
	env := storeEnv(t)
	id := putFile(t, env, "transcript", "call-1", []byte(`{"text":"hi"}`),
		"--created-at", "2024-05-01T14:03:00+02:00", "--content-type", "application/json")

	var rec recordJSON
	if err := json.Unmarshal([]byte(mustRun(t, env, "ls", "--json")), &rec); err != nil {
		t.Fatalf("ls --json: %v", err)
	}
	want := time.Date(2024, 5, 1, 12, 3, 0, 0, time.UTC)
	if rec.ID != id || !rec.CreatedAt.Equal(want) || rec.ContentType != "application/json" {
		t.Errorf("got id %s, created %v, type %q; want %s, %v, application/json",
			rec.ID, rec.CreatedAt, rec.ContentType, id, want)
	}
	if wantExp := want.AddDate(0, 0, 30); !rec.ExpiresAt.Equal(wantExp) {
		t.Errorf("got expiry %v, want %v (30 days, the default retention)", rec.ExpiresAt, wantExp)
	}
}

// TestPutKeepsCaller checks that a later put with other call metadata
// keeps the caller number an earlier put gave, so erasure still finds it.
func TestPutKeepsCaller(t *testing.T) {
	env := storeEnv(t)
	putFile(t, env, "recording", "call-1", randomBytes(100), "--caller", "+39 06 1234 5678")
	putFile(t, env, "transcript", "call-1", []byte("hello"), "--agent", "agent-7", "--callee", "600")

	out := mustRun(t, env, "erase", "--caller", "0039 06 1234 5678")

	if !strings.Contains(out, "erased 1 call of the caller: 2 records") {
		t.Errorf("got %q, want the call with its 2 records erased", out)
	}
}
