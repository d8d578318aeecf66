// Package s3dest is a backup destination in an S3 bucket, or on any
// S3-compatible server (MinIO, Versity Gateway, Ceph), given as
// s3://bucket/prefix.
//
// Objects are streamed with multipart uploads of bounded part size and
// concurrency, so memory stays flat whatever an object's size: about
// (Concurrency+2) × PartSize. Requests are retried by the SDK's standard
// retryer. A multipart upload that fails is aborted. One whose process is
// killed stays in the bucket, unlisted but stored: Dest implements
// backup.PendingUploads, so that backup.Prune finds and aborts it, and
// the bucket's lifecycle rule (AbortIncompleteMultipartUpload) removes it
// where no prune runs.
package s3dest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/avrdata/avrdata/backup"
)

var _ backup.Destination = (*Dest)(nil)

// Upload defaults: 5 MiB parts (objects up to 48 GiB at S3's limit of
// 10,000 parts; backups split tables at 1 GiB), three at a time.
const (
	DefaultPartSize    = 5 << 20
	DefaultConcurrency = 3
)

// maxAttempts is how often the SDK tries a request before giving up.
const maxAttempts = 5

// abortTimeout bounds the abort of a failed upload after its context
// ended.
const abortTimeout = 30 * time.Second

// Options tune uploads.
type Options struct {
	PartSize    int64 // bytes a part, at least 5 MiB; zero means DefaultPartSize
	Concurrency int   // parts uploaded at once; zero means DefaultConcurrency
}

// Dest stores objects in a bucket under a prefix. It is safe for
// concurrent use.
type Dest struct {
	client *s3.Client
	//lint:ignore SA1019 the transfer manager that supersedes it is not stable yet
	uploader *manager.Uploader
	bucket   string
	prefix   string // without slashes at either end; may be empty
}

// New returns a Dest on bucket through client, with object names under
// prefix.
func New(client *s3.Client, bucket, prefix string, opts Options) *Dest {
	//lint:ignore SA1019 the transfer manager that supersedes it is not stable yet
	up := manager.NewUploader(client, func(u *manager.Uploader) {
		u.PartSize = orDefault(opts.PartSize, DefaultPartSize)
		u.Concurrency = int(orDefault(int64(opts.Concurrency), DefaultConcurrency))
	})
	return &Dest{client: client, uploader: up, bucket: bucket,
		prefix: strings.Trim(prefix, "/")}
}

func orDefault(v, def int64) int64 {
	if v > 0 {
		return v
	}
	return def
}

// Open returns a Dest configured as the AWS SDK's default configuration
// says: AWS_REGION, the default credential chain (environment, shared
// files, SSO, instance roles), and AWS_ENDPOINT_URL_S3 (or
// AWS_ENDPOINT_URL) for S3-compatible servers, which then get path-style
// addressing.
func Open(ctx context.Context, bucket, prefix string, opts Options) (*Dest, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRetryMaxAttempts(maxAttempts))
	if err != nil {
		return nil, fmt.Errorf("s3: load AWS configuration: %w", err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		// Objects written in parts carry a checksum of their parts' checksums,
		// which a download cannot check, and the SDK would log so to stderr
		// on every one; restores check each object's SHA-256 themselves.
		o.DisableLogOutputChecksumValidationSkipped = true
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
			if o.Region == "" {
				o.Region = "us-east-1" // servers other than AWS mostly ignore it
			}
		}
	})
	if client.Options().Region == "" {
		return nil, errors.New("s3: no region: set AWS_REGION to the bucket's region")
	}
	return New(client, bucket, prefix, opts), nil
}

// String returns "s3://bucket/prefix".
func (d *Dest) String() string {
	if d.prefix == "" {
		return "s3://" + d.bucket
	}
	return "s3://" + d.bucket + "/" + d.prefix
}

func (d *Dest) key(name string) string {
	if d.prefix == "" {
		return name
	}
	return d.prefix + "/" + name
}

// Put implements backup.Destination with a multipart upload (a single
// PutObject below one part).
func (d *Dest) Put(ctx context.Context, name string, r io.Reader) error {
	if err := backup.CheckName(name); err != nil {
		return err
	}
	//lint:ignore SA1019 see New
	_, err := d.uploader.Upload(ctx, &s3.PutObjectInput{
		Bucket: &d.bucket, Key: aws.String(d.key(name)), Body: r})
	if err != nil {
		d.abort(ctx, name, err)
		return fmt.Errorf("s3: put %s: %w", name, err)
	}
	return nil
}

// abort aborts a failed multipart upload whose context ended before the
// uploader could abort it itself.
func (d *Dest) abort(ctx context.Context, name string, err error) {
	var mu manager.MultiUploadFailure
	if ctx.Err() == nil || !errors.As(err, &mu) {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	d.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: &d.bucket, Key: aws.String(d.key(name)), UploadId: aws.String(mu.UploadID())})
}

// Get implements backup.Destination.
func (d *Dest) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := backup.CheckName(name); err != nil {
		return nil, err
	}
	out, err := d.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &d.bucket, Key: aws.String(d.key(name))})
	if isNotFound(err) {
		return nil, fmt.Errorf("s3: get %s: %w", name, backup.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("s3: get %s: %w", name, err)
	}
	return out.Body, nil
}

func isNotFound(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == 404
}

// List implements backup.Destination.
func (d *Dest) List(ctx context.Context, prefix string) ([]backup.ObjectInfo, error) {
	pages := s3.NewListObjectsV2Paginator(d.client, &s3.ListObjectsV2Input{
		Bucket: &d.bucket, Prefix: aws.String(d.key(prefix))})

	var out []backup.ObjectInfo
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3: list %s: %w", prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, backup.ObjectInfo{
				Name:     strings.TrimPrefix(aws.ToString(o.Key), d.key("")),
				Size:     aws.ToInt64(o.Size),
				Modified: aws.ToTime(o.LastModified),
			})
		}
	}
	return out, nil
}

// Delete implements backup.Destination.
func (d *Dest) Delete(ctx context.Context, name string) error {
	if err := backup.CheckName(name); err != nil {
		return err
	}
	_, err := d.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &d.bucket, Key: aws.String(d.key(name))})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("s3: delete %s: %w", name, err)
	}
	return nil
}
