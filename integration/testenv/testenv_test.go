package testenv

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMissingServicesFail runs this test binary again with no way to get
// services and checks that an integration test fails, not skips, naming how
// to provide them.
func TestMissingServicesFail(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		Postgres(t)
		t.Fatal("Postgres returned without services")
	}
	if testing.Short() {
		t.Skip("runs a child test process")
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestMissingServicesFail$", "-test.v")
	cmd.Env = append(withoutTestServices(os.Environ()),
		"TESTENV_CHILD=1", EnvRequire+"=1", "DOCKER_HOST=unix:///nonexistent/docker.sock")
	out, err := cmd.CombinedOutput()

	if err == nil {
		t.Fatalf("child test passed without services; output:\n%s", out)
	}
	for _, want := range []string{"--- FAIL", "make test", EnvDatabaseURL, "Docker engine"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q; got:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "--- SKIP") {
		t.Errorf("child test skipped; want a failure:\n%s", out)
	}
}

func withoutTestServices(env []string) []string {
	var kept []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AVRDATA_TEST_") {
			kept = append(kept, kv)
		}
	}
	return kept
}

// TestFreshDatabaseAndBucket proves the harness: each call gives a database
// and a bucket of its own that work and are empty.
func TestFreshDatabaseAndBucket(t *testing.T) {
	a, b := Postgres(t), Postgres(t)
	if a == b {
		t.Fatalf("two calls gave the same database %q", a)
	}
	ba, bb := S3(t), S3(t)
	if ba.Bucket == bb.Bucket {
		t.Fatalf("two calls gave the same bucket %q", ba.Bucket)
	}

	ctx := context.Background()
	list, err := ba.Client().ListObjectsV2(ctx, listInput(ba.Bucket))
	if err != nil {
		t.Fatalf("list new bucket: %v", err)
	}
	if n := len(list.Contents); n != 0 {
		t.Errorf("new bucket holds %d objects, want 0", n)
	}
}
