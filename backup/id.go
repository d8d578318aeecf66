package backup

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"
)

// idLayout is the time part of a backup id: UTC, to the millisecond, so
// that ids sort in the order backups started.
const idLayout = "20060102T150405.000Z"

var idPattern = regexp.MustCompile(`^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{8}$`)

// newID returns a backup id for a backup starting at t: the UTC time and
// 8 random hex digits, such as "20260301T020000.000Z-1a2b3c4d".
func newID(t time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return t.UTC().Format(idLayout) + "-" + hex.EncodeToString(b[:])
}

// idTime returns the time a backup id was made at, and false when id is
// not a backup id.
func idTime(id string) (time.Time, bool) {
	if !idPattern.MatchString(id) {
		return time.Time{}, false
	}
	t, err := time.Parse(idLayout, id[:len(idLayout)])
	return t, err == nil
}

// checkID returns an error wrapping ErrNoBackup unless id is a backup id.
func checkID(id string) error {
	if _, ok := idTime(id); !ok {
		return fmt.Errorf("%w: %q is not a backup id such as 20260301T020000.000Z-1a2b3c4d",
			ErrNoBackup, id)
	}
	return nil
}
