package s3dest_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/backup/s3dest"
	"github.com/avrdata/avrdata/integration/testenv"
)

const prefix = "some/prefix"

// TestPending lists an upload a killed process left, with its part's
// size and time, and aborts it.
func TestPending(t *testing.T) {
	b := testenv.S3(t)
	dest := s3dest.New(b.Client(), b.Bucket, prefix, s3dest.Options{})
	name := "20200101T000000.000Z-0000000a/records.0000"
	before := time.Now().Truncate(time.Second)
	startUpload(t, b, prefix+"/"+name)
	after := time.Now()
	startUpload(t, b, "elsewhere/"+name)

	pending, err := dest.Pending(context.Background(), "")
	if err != nil || len(pending) != 1 {
		t.Fatalf("got %+v, %v; want the one upload under the prefix", pending, err)
	}
	u := pending[0]
	if u.Name != name || u.ID == "" || u.Size != 5<<20 {
		t.Errorf("got %+v; want %s with an id and 5 MiB", u, name)
	}
	if u.LastWrite.Before(before) || u.LastWrite.After(after) || u.Started.IsZero() ||
		u.Started.After(u.LastWrite) {
		t.Errorf("got started %s, last write %s; want a start, and the last write between %s and %s",
			u.Started, u.LastWrite, before, after)
	}

	for range 2 { // the second time it is gone already
		if err := dest.AbortPending(context.Background(), u); err != nil {
			t.Fatalf("abort: %v", err)
		}
	}
	if got := uploads(t, b, prefix+"/"); len(got) != 0 {
		t.Errorf("after the abort %q are left", got)
	}
}

// TestPrunePending prunes the uploads a killed backup left: those of an
// old run without a manifest and a stray one under a complete backup go,
// a running backup's stays.
func TestPrunePending(t *testing.T) {
	b := testenv.S3(t)
	dest := s3dest.New(b.Client(), b.Bucket, prefix, s3dest.Options{})
	crashed := "20200101T000000.000Z-0000000a"
	complete := "20200102T000000.000Z-0000000b"
	put(t, dest, complete+"/records.0000")
	put(t, dest, complete+"/manifest.json")
	startUpload(t, b, prefix+"/"+crashed+"/records.0000")
	startUpload(t, b, prefix+"/"+complete+"/records.0001")
	startUpload(t, b, prefix+"/tombstones/20200101T000000Z_call-1")

	opts := backup.PruneOptions{Retention: 24 * time.Hour, Now: time.Now().Add(2 * time.Hour)}
	res, err := backup.Prune(context.Background(), dest, opts)
	if err != nil || res.Debris != 1 || res.Backups != 0 || res.Uploads != 2 {
		t.Fatalf("prune: got %+v, %v; want the crashed run removed, 2 uploads aborted", res, err)
	}
	want := []string{prefix + "/tombstones/20200101T000000Z_call-1"}
	if got := uploads(t, b, ""); !slices.Equal(got, want) {
		t.Errorf("after prune the uploads are %q, want %q", got, want)
	}
	if got := objects(t, dest); len(got) != 2 {
		t.Errorf("after prune the objects are %q, want the complete backup's 2", got)
	}

	running := time.Now().UTC().Format("20060102T150405.000Z") + "-0000000c"
	startUpload(t, b, prefix+"/"+running+"/records.0000")
	res, err = backup.Prune(context.Background(), dest, backup.PruneOptions{Retention: 24 * time.Hour})
	if err != nil || res.Debris != 0 || res.Uploads != 0 {
		t.Fatalf("prune: got %+v, %v; want nothing removed", res, err)
	}
	want = append([]string{prefix + "/" + running + "/records.0000"}, want...)
	if got := uploads(t, b, ""); !slices.Equal(got, want) {
		t.Errorf("after prune the uploads are %q, want %q", got, want)
	}
}

// startUpload starts a multipart upload of key and stores its first
// part, 5 MiB, as a process killed while it puts an object leaves it. The
// test's cleanup aborts it.
func startUpload(t *testing.T, b testenv.S3Bucket, key string) {
	t.Helper()

	ctx := context.Background()
	client := b.Client()
	up, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: &b.Bucket, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.AbortMultipartUpload(context.Background(), &s3.AbortMultipartUploadInput{
			Bucket: &b.Bucket, Key: &key, UploadId: up.UploadId})
	})
	_, err = client.UploadPart(ctx, &s3.UploadPartInput{Bucket: &b.Bucket, Key: &key,
		UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(make([]byte, 5<<20))})
	if err != nil {
		t.Fatal(err)
	}
}

// uploads returns the keys of the bucket's multipart uploads under
// keyPrefix, as the server lists them.
func uploads(t *testing.T, b testenv.S3Bucket, keyPrefix string) []string {
	t.Helper()

	out, err := b.Client().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{
		Bucket: &b.Bucket, Prefix: &keyPrefix})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	return keys
}

func put(t *testing.T, dest backup.Destination, name string) {
	t.Helper()

	if err := dest.Put(context.Background(), name, strings.NewReader(name)); err != nil {
		t.Fatal(err)
	}
}

func objects(t *testing.T, dest backup.Destination) []string {
	t.Helper()

	list, err := dest.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range list {
		names = append(names, o.Name)
	}
	return names
}
