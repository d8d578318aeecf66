package s3dest_test

import (
	"context"
	"testing"

	"github.com/avrdata/avrdata/backup/backuptest"
	"github.com/avrdata/avrdata/backup/s3dest"
	"github.com/avrdata/avrdata/integration/testenv"
)

// TestConformance runs the contract on a real S3 server, with the
// smallest part size S3 allows so that multipart uploads are exercised.
func TestConformance(t *testing.T) {
	b := testenv.S3(t)
	opts := s3dest.Options{PartSize: 5 << 20, Concurrency: 2}
	backuptest.Conformance(t, s3dest.New(b.Client(), b.Bucket, "some/prefix", opts), 5<<20)
}

// TestOpenFromEnvironment reaches the server through the SDK's default
// configuration, as BACKUP_URL does: AWS_ENDPOINT_URL_S3 and static
// credentials from the environment, with path-style addressing.
func TestOpenFromEnvironment(t *testing.T) {
	b := testenv.S3(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", b.Endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", b.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", b.SecretKey)
	t.Setenv("AWS_REGION", b.Region)
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")

	d, err := s3dest.Open(context.Background(), b.Bucket, "", s3dest.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if got, want := d.String(), "s3://"+b.Bucket; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	backuptest.Conformance(t, d, s3dest.DefaultPartSize)
}
