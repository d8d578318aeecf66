package s3dest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/avrdata/avrdata/backup"
)

var _ backup.PendingUploads = (*Dest)(nil)

// Pending implements backup.PendingUploads: the bucket's multipart
// uploads under the prefix, each with its parts listed for its size and
// last write. An upload that finishes or is aborted meanwhile is left
// out.
//
// Started is the upload's Initiated time. Some servers report there when
// the upload last changed (Versity Gateway gives its folder's modification
// time, which each part moves), so LastWrite is the later of it and the
// newest part's time. An upload for which the server reports no time at
// all counts as written now: prune then leaves it to the bucket's
// lifecycle rule rather than abort what may be a running write.
func (d *Dest) Pending(ctx context.Context, prefix string) ([]backup.PendingUpload, error) {
	pages := s3.NewListMultipartUploadsPaginator(d.client, &s3.ListMultipartUploadsInput{
		Bucket: &d.bucket, Prefix: aws.String(d.key(prefix))})

	var out []backup.PendingUpload
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3: list uploads %s: %w", prefix, err)
		}
		for _, mu := range page.Uploads {
			u, gone, err := d.pending(ctx, mu)
			if err != nil {
				return nil, err
			}
			if !gone {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

// pending describes upload mu from its parts, or reports it gone.
func (d *Dest) pending(ctx context.Context, mu types.MultipartUpload) (backup.PendingUpload, bool, error) {
	u := backup.PendingUpload{
		Name:    strings.TrimPrefix(aws.ToString(mu.Key), d.key("")),
		ID:      aws.ToString(mu.UploadId),
		Started: aws.ToTime(mu.Initiated),
	}
	u.LastWrite = u.Started
	pages := s3.NewListPartsPaginator(d.client, &s3.ListPartsInput{
		Bucket: &d.bucket, Key: mu.Key, UploadId: mu.UploadId})

	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if isNotFound(err) {
			return u, true, nil
		}
		if err != nil {
			return u, false, fmt.Errorf("s3: list parts of upload %s: %w", u.Name, err)
		}
		for _, p := range page.Parts {
			u.Size += aws.ToInt64(p.Size)
			if t := aws.ToTime(p.LastModified); t.After(u.LastWrite) {
				u.LastWrite = t
			}
		}
	}
	if u.LastWrite.IsZero() {
		u.LastWrite = time.Now()
	}
	return u, false, nil
}

// AbortPending implements backup.PendingUploads.
func (d *Dest) AbortPending(ctx context.Context, u backup.PendingUpload) error {
	if err := backup.CheckName(u.Name); err != nil {
		return err
	}
	_, err := d.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: &d.bucket, Key: aws.String(d.key(u.Name)), UploadId: aws.String(u.ID)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("s3: abort upload %s: %w", u.Name, err)
	}
	return nil
}
