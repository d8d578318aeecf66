package store

import (
	"crypto/rand"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5/pgtype"
)

var callIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// ValidateCallID returns an error wrapping ErrBadCallID unless id is 1 to
// 128 characters of [A-Za-z0-9._:-]: an AVR call UUID or an Asterisk
// UNIQUEID.
func ValidateCallID(id string) error {
	if callIDPattern.MatchString(id) {
		return nil
	}
	if len(id) == 0 || len(id) > 128 {
		return fmt.Errorf("%w: %d characters, want 1 to 128", ErrBadCallID, len(id))
	}
	return fmt.Errorf("%w %q: use only letters, digits and . _ : -", ErrBadCallID, id)
}

// parseRecordID parses a record id (a UUID).
func parseRecordID(id string) (pgtype.UUID, error) {
	var u pgtype.UUID
	if err := u.Scan(id); err != nil {
		return u, fmt.Errorf("%w %q: want a UUID such as 1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b", ErrBadRecordID, id)
	}
	return u, nil
}

// newRecordID returns a random (version 4) UUID.
func newRecordID() pgtype.UUID {
	var u pgtype.UUID
	rand.Read(u.Bytes[:])
	u.Bytes[6] = u.Bytes[6]&0x0f | 0x40
	u.Bytes[8] = u.Bytes[8]&0x3f | 0x80
	u.Valid = true
	return u
}

// uuidString formats u as 8-4-4-4-12 hex digits.
func uuidString(u pgtype.UUID) string {
	b := u.Bytes
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
