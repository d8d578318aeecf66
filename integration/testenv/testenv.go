package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
)

// Environment variables that name the services and the policy.
const (
	EnvDatabaseURL = "AVRDATA_TEST_DATABASE_URL"
	EnvS3Endpoint  = "AVRDATA_TEST_S3_ENDPOINT"
	EnvS3AccessKey = "AVRDATA_TEST_S3_ACCESS_KEY"
	EnvS3SecretKey = "AVRDATA_TEST_S3_SECRET_KEY"
	EnvS3Region    = "AVRDATA_TEST_S3_REGION"
	EnvS3Dir       = "AVRDATA_TEST_S3_DIR"
	EnvRequire     = "AVRDATA_REQUIRE_INTEGRATION"
)

// howToProvide is the message a test fails with when it has no services.
const howToProvide = `integration services are not available.
Provide them in one of two ways:
  - run the tests with local services: "make test", or "scripts/services up"
    then ". .services/env" before "go test ./..."; or set
    AVRDATA_TEST_DATABASE_URL (a PostgreSQL superuser or CREATEDB URL) and
    AVRDATA_TEST_S3_ENDPOINT, AVRDATA_TEST_S3_ACCESS_KEY,
    AVRDATA_TEST_S3_SECRET_KEY (an S3-compatible server) yourself;
  - or start a Docker engine, and the tests start PostgreSQL and MinIO
    containers with testcontainers-go.
Use "go test -short" to skip integration tests.`

// Required reports whether missing services must fail tests rather than
// skip them, as AVRDATA_REQUIRE_INTEGRATION=1 asks.
func Required() bool {
	return os.Getenv(EnvRequire) == "1"
}

// skipShort skips t under `go test -short` unless integration is required.
func skipShort(t testing.TB) {
	t.Helper()

	if testing.Short() && !Required() {
		t.Skip("integration test: skipped with -short")
	}
}

// randomName returns prefix followed by 12 random hex digits, a name that
// no other test run uses.
func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
