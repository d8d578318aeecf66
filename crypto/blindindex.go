package crypto

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strings"
)

const (
	minDigits = 3
	maxDigits = 20
)

// NormalizeNumber returns the canonical spelling of a caller number:
// spaces, tabs, dashes, dots and brackets removed, a leading "+" or
// "00" written as "+", then 3 to 20 digits. "+39 06-1234.5678",
// "0039 06 1234 5678" and "(+39) 0612345678" all become "+390612345678".
// Anything else returns an error wrapping ErrBadNumber that does not
// repeat the number.
//
// A number in national form ("06 1234 5678") stays national: without
// knowing the caller's country it cannot be matched to its
// international form, so the two spellings have different blind indexes.
func NormalizeNumber(s string) (string, error) {
	digits := stripSeparators(s)

	prefix := ""
	switch {
	case strings.HasPrefix(digits, "+"):
		prefix, digits = "+", digits[1:]
	case strings.HasPrefix(digits, "00"):
		prefix, digits = "+", digits[2:]
	}

	if err := checkDigits(digits); err != nil {
		return "", fmt.Errorf("normalize number: %w", err)
	}
	return prefix + digits, nil
}

// stripSeparators removes the characters people put between digits.
func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '-', '.', '(', ')':
			return -1
		}
		return r
	}, s)
}

// checkDigits reports what is wrong with digits, without quoting them.
func checkDigits(digits string) error {
	for _, r := range digits {
		if r < '0' || r > '9' {
			return fmt.Errorf("has a character other than digits "+
				"and separators: %w", ErrBadNumber)
		}
	}

	if n := len(digits); n < minDigits || n > maxDigits {
		return fmt.Errorf("has %d digits, want %d to %d: %w",
			n, minDigits, maxDigits, ErrBadNumber)
	}
	return nil
}

// BlindIndex returns the HMAC-SHA256 of the normalised number under a
// key derived from the root key: equal for every spelling of one
// number, unrelated across numbers and root keys, and useless to
// someone who has the database but not the root key. It returns the
// error of NormalizeNumber for a number that is not one.
func (k *Keyring) BlindIndex(number string) ([]byte, error) {
	n, err := NormalizeNumber(number)
	if err != nil {
		return nil, err
	}

	mac := hmac.New(sha256.New, k.keys.blindIndex)
	mac.Write([]byte(n))
	return mac.Sum(nil), nil
}
