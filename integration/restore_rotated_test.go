package integration

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/integration/testenv"
	"github.com/avrdata/avrdata/store"
	"github.com/avrdata/avrdata/store/storetest"
)

// rotatedReport is what restore --json prints, with the re-sealing.
type rotatedReport struct {
	restoreReport
	Resealed bool `json:"resealed_from_previous"`
}

// TestRestoreAfterRootRotation backs up, rotates the root key, and
// restores the backup made before the rotation: with the new key alone it
// is refused with exit 2; with the old one as ENCRYPTION_KEY_PREVIOUS it
// drills, and restores into a new database that then opens with the new
// key, reads every record byte for byte and finds the caller.
func TestRestoreAfterRootRotation(t *testing.T) {
	c := newCLI(t)
	place, _ := filePlace(t)
	want := map[string][]byte{}
	for _, r := range []struct {
		kind, call, caller string
		data               []byte
	}{
		{"recording", "call-1", "+39 06 1234 5678", randomBytes(2<<20 + 77)},
		{"transcript", "call-1", "", []byte("agent: hello")},
		{"recording", "call-2", "", randomBytes(5000)},
	} {
		want[c.putCaller(r.kind, r.call, r.caller, r.data)] = r.data
	}
	c.mustRun("backup", "--to", place.url)

	oldKey, newKey := envValue(c.env, "ENCRYPTION_KEY"), newRootKey(t)
	c.withVars("ENCRYPTION_KEY_PREVIOUS="+oldKey, "ENCRYPTION_KEY="+newKey).mustRun("keys", "rotate-root")
	rotated := c.withVars("ENCRYPTION_KEY=" + newKey)

	r := rotated.run(nil, "restore", "--verify", "--from", place.url)
	if r.code != 2 || !strings.Contains(r.stderr, "is not the key backup") ||
		!strings.Contains(r.stderr, "ENCRYPTION_KEY_PREVIOUS") {
		t.Errorf("new key alone: got %v, want exit 2, the wrong-key message and the hint", r)
	}

	both := rotated.withVars("ENCRYPTION_KEY_PREVIOUS=" + oldKey)
	rep := parseRotated(t, both.mustRun("restore", "--verify", "--from", place.url, "--json"))
	if !rep.OK || !rep.Resealed || rep.Verified == nil || rep.Verified.Records != 3 {
		t.Errorf("drill with both keys: got %+v, want ok, re-sealed, 3 records verified", rep)
	}

	target := rotated.onDatabase(testenv.Postgres(t))
	out := both.mustRun("restore", "--from", place.url, "--target-database-url", target.dbURL)
	if !strings.Contains(out, "keys re-sealed under ENCRYPTION_KEY") {
		t.Errorf("restore report %q does not say the keys were re-sealed", out)
	}
	checkRestored(t, target.dbURL, newKey, want)
	if r := c.onDatabase(target.dbURL).run(nil, "ls"); r.code != 2 {
		t.Errorf("restored store with the old key: got %v, want exit 2", r)
	}
	out = target.mustRun("erase", "--caller", "0039 06 1234 5678")
	if !strings.Contains(out, "erased 1 call of the caller: 2 records") {
		t.Errorf("erase by caller in the restored store: got %q, want call-1 erased", out)
	}
}

// putCaller stores data as a record of kind on call, with the caller's
// number unless it is empty, and returns its id.
func (c *cli) putCaller(kind, call, caller string, data []byte) string {
	c.t.Helper()

	path := filepath.Join(c.t.TempDir(), "content")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		c.t.Fatal(err)
	}
	args := []string{"put", kind, "--call", call, path}
	if caller != "" {
		args = append(args, "--caller", caller)
	}
	return strings.TrimSpace(c.mustRun(args...))
}

func newRootKey(t *testing.T) string {
	t.Helper()

	key, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func parseRotated(t *testing.T, out string) rotatedReport {
	t.Helper()

	var rep rotatedReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("restore --json printed %q: %v", out, err)
	}
	return rep
}

// checkRestored opens the store of dbURL with key and reads every record
// of want, byte for byte.
func checkRestored(t *testing.T, dbURL, key string, want map[string][]byte) {
	t.Helper()

	root, err := crypto.ParseRootKey("ENCRYPTION_KEY", key)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, root, store.Options{Actor: "test"})
	if err != nil {
		t.Fatalf("open the restored store with the new key: %v", err)
	}
	defer st.Close()
	storetest.CheckReadBack(t, st, want)
}
