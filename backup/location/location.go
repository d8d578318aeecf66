// Package location opens the backup destination a URL names, as
// BACKUP_URL gives it:
//
//	s3://bucket/prefix   an S3 bucket (package s3dest), configured by the
//	                     AWS SDK's environment (AWS_REGION, credentials,
//	                     AWS_ENDPOINT_URL_S3 for S3-compatible servers)
//	file:///path         a local folder (package filedest)
package location

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/backup/filedest"
	"github.com/avrdata/avrdata/backup/s3dest"
)

// ErrBadURL is returned by Parse and Open for a URL that names no
// destination they know.
var ErrBadURL = errors.New("bad backup URL")

// Location is a parsed backup URL.
type Location struct {
	Scheme string // "s3" or "file"
	Bucket string // s3: the bucket
	Path   string // s3: the prefix within the bucket; file: the folder
}

// Parse checks raw and returns what it names, or an error wrapping
// ErrBadURL that says what is wrong and shows the two accepted forms.
func Parse(raw string) (Location, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return Location{}, badURL(raw, "not a URL")
	}
	switch u.Scheme {
	case "s3":
		if u.Host == "" {
			return Location{}, badURL(raw, "no bucket")
		}
		return Location{Scheme: "s3", Bucket: u.Host, Path: strings.Trim(u.Path, "/")}, nil
	case "file":
		if u.Host != "" && u.Host != "localhost" || !path.IsAbs(u.Path) {
			return Location{}, badURL(raw, "a file URL needs an absolute path, as in file:///var/backups")
		}
		return Location{Scheme: "file", Path: path.Clean(u.Path)}, nil
	}
	return Location{}, badURL(raw, "unknown scheme "+fmt.Sprintf("%q", u.Scheme))
}

func badURL(raw, problem string) error {
	return fmt.Errorf("%w %q: %s; want s3://bucket/prefix or file:///path", ErrBadURL, redact(raw), problem)
}

// redact drops a password from a URL before it goes into a message.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// Open returns the destination raw names. S3 destinations read the AWS
// SDK's configuration from the environment; nothing is contacted yet.
func Open(ctx context.Context, raw string) (backup.Destination, error) {
	loc, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	if loc.Scheme == "s3" {
		return s3dest.Open(ctx, loc.Bucket, loc.Path, s3dest.Options{})
	}
	return filedest.New(loc.Path)
}
