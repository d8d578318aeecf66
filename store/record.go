package store

import (
	"time"

	"github.com/avrdata/avrdata/crypto"
)

// Kind is what a record holds.
type Kind string

// The kinds of record.
const (
	KindRecording  Kind = "recording"  // audio, streamed, any size
	KindTranscript Kind = "transcript" // text, at most MaxTranscriptSize
)

// ParseKind returns the Kind named s, or false.
func ParseKind(s string) (Kind, bool) {
	switch Kind(s) {
	case KindRecording, KindTranscript:
		return Kind(s), true
	}
	return "", false
}

// Record describes a stored recording or transcript; its content is read
// with Open.
type Record struct {
	ID          string
	Kind        Kind
	CallID      string
	ContentType string
	Size        int64 // plaintext bytes
	CreatedAt   time.Time
	ExpiresAt   time.Time // CreatedAt plus the retention period in force
	Held        bool      // the call is under legal hold
}

// ref is what the record's ciphertext and wrapped key are bound to.
func (r Record) ref() crypto.Ref {
	return crypto.Ref{Kind: string(r.Kind), ID: r.ID}
}

// Expired reports whether the record is past its retention period at now.
// A held record may be expired; it is kept all the same.
func (r Record) Expired(now time.Time) bool {
	return !now.Before(r.ExpiresAt)
}
