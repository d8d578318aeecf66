package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3Server is an S3-compatible server reached with static credentials and
// path-style addressing.
type S3Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Region    string
	// Dir is the folder the server stores objects in, when it is local and
	// known (the scripts/services server), so tests can scan what it wrote.
	Dir string
}

// S3Bucket is a bucket on an S3Server that exists for the duration of a test.
type S3Bucket struct {
	S3Server
	Bucket string
}

// Client returns an S3 client for the server.
func (s S3Server) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint),
		Region:       s.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		UsePathStyle: true,
	})
}

// Env returns the AWS SDK environment variables (NAME=value) that make the
// SDK's default configuration reach this server, for running the CLI.
func (s S3Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL_S3=" + s.Endpoint,
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_REGION=" + s.Region,
	}
}

// S3 returns a new, empty bucket that exists for the duration of t; its
// cleanup deletes the objects and the bucket.
//
// It skips t under -short (unless integration is required) and fails t when
// no server can be found or the bucket cannot be created.
func S3(t testing.TB) S3Bucket {
	t.Helper()
	skipShort(t)

	srv, err := s3Server()
	if err != nil {
		t.Fatalf("%v\n%s", err, howToProvide)
	}
	b := S3Bucket{S3Server: srv, Bucket: randomName("avrdata-test-")}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := srv.Client()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &b.Bucket}); err != nil {
		t.Fatalf("create bucket %s at %s: %v\n%s", b.Bucket, srv.Endpoint, err, howToProvide)
	}
	t.Cleanup(func() { removeBucket(t, client, b.Bucket) })

	return b
}

var s3ServerOnce = sync.OnceValues(func() (S3Server, error) {
	if e := os.Getenv(EnvS3Endpoint); e != "" {
		return s3FromEnv(e)
	}
	if dockerAnswers() {
		return startMinIOContainer()
	}
	return S3Server{}, fmt.Errorf("no S3 server: %s is not set and no Docker engine answers", EnvS3Endpoint)
})

func s3Server() (S3Server, error) {
	return s3ServerOnce()
}

func s3FromEnv(endpoint string) (S3Server, error) {
	s := S3Server{
		Endpoint:  endpoint,
		AccessKey: os.Getenv(EnvS3AccessKey),
		SecretKey: os.Getenv(EnvS3SecretKey),
		Region:    os.Getenv(EnvS3Region),
		Dir:       os.Getenv(EnvS3Dir),
	}
	if s.Region == "" {
		s.Region = "us-east-1"
	}
	if s.AccessKey == "" || s.SecretKey == "" {
		return S3Server{}, errors.New("no S3 credentials: set " + EnvS3AccessKey + " and " + EnvS3SecretKey)
	}
	return s, nil
}

// removeBucket deletes every object of bucket, then the bucket.
func removeBucket(t testing.TB, client *s3.Client, bucket string) {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: &bucket})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Errorf("list bucket %s for cleanup: %v", bucket, err)
			return
		}
		for _, o := range page.Contents {
			_, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: o.Key})
			if err != nil {
				t.Errorf("delete %s/%s: %v", bucket, aws.ToString(o.Key), err)
			}
		}
	}
	_, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket})
	var missing *types.NoSuchBucket
	if err != nil && !errors.As(err, &missing) {
		t.Errorf("delete bucket %s: %v", bucket, err)
	}
}
