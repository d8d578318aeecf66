package location

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		raw  string
		want Location
	}{
		{"s3://bucket", Location{Scheme: "s3", Bucket: "bucket"}},
		{"s3://bucket/avr/backups/", Location{Scheme: "s3", Bucket: "bucket", Path: "avr/backups"}},
		{"file:///var/backups/avrdata", Location{Scheme: "file", Path: "/var/backups/avrdata"}},
		{"file://localhost/var/backups/", Location{Scheme: "file", Path: "/var/backups"}},
		{" file:///x ", Location{Scheme: "file", Path: "/x"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.raw)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q): got %+v, %v; want %+v", tt.raw, got, err, tt.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, raw := range []string{"", "s3://", "s3:///prefix", "file://host/x", "file:relative",
		"/var/backups", "https://bucket.s3.amazonaws.com/x", "gs://bucket"} {
		_, err := Parse(raw)
		if !errors.Is(err, ErrBadURL) || !strings.Contains(err.Error(), "s3://bucket/prefix or file:///path") {
			t.Errorf("Parse(%q): got %v, want ErrBadURL showing the accepted forms", raw, err)
		}
	}
}

func TestParseHidesPassword(t *testing.T) {
	_, err := Parse("ftp://user:secret@host/x")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("got %v, want an error without the password", err)
	}
}
