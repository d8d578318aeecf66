package crypto_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

func TestNormalizeNumber(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"+390612345678", "+390612345678"},
		{"+39 06-1234.5678", "+390612345678"},
		{"0039 06 1234 5678", "+390612345678"},
		{"(+39) 0612345678", "+390612345678"},
		{" +39\t06 1234 5678 ", "+390612345678"},
		{"+1 (555) 010-9999", "+15550109999"},
		{"06 1234 5678", "0612345678"},
		{"112", "112"},
		{"+12345678901234567890", "+12345678901234567890"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := crypto.NormalizeNumber(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeNumber(%q): got (%q, %v), want (%q, nil)", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNormalizeNumberBad(t *testing.T) {
	tests := []struct {
		in      string
		problem string
	}{
		{"", "has 0 digits, want 3 to 20"},
		{"+", "has 0 digits, want 3 to 20"},
		{"00", "has 0 digits, want 3 to 20"},
		{"12", "has 2 digits, want 3 to 20"},
		{"+123456789012345678901", "has 21 digits, want 3 to 20"},
		{"anonymous", "has a character other than digits and separators"},
		{"sip:5551234@example.org", "has a character other than digits and separators"},
		{"555 1234 ext 9", "has a character other than digits and separators"},
		{"++39 0612345678", "has a character other than digits and separators"},
		{"٠٦١٢٣٤٥", "has a character other than digits and separators"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := crypto.NormalizeNumber(tt.in)
			want := "normalize number: " + tt.problem + ": bad phone number"
			if err == nil || err.Error() != want {
				t.Fatalf("got error %v, want %q", err, want)
			}
			if !errors.Is(err, crypto.ErrBadNumber) {
				t.Fatalf("errors.Is(err, ErrBadNumber): got false, want true")
			}
			if len(tt.in) >= 3 && strings.Contains(err.Error(), tt.in) {
				t.Fatalf("error %q repeats the number", err)
			}
		})
	}
}

func TestBlindIndex(t *testing.T) {
	k, _ := newKeyring(t)
	otherRoot, _ := newKeyringWithRoot(t, 2)

	index := func(k *crypto.Keyring, number string) []byte {
		t.Helper()
		b, err := k.BlindIndex(number)
		if err != nil {
			t.Fatalf("BlindIndex(%q): got error %v, want nil", number, err)
		}
		return b
	}
	base := index(k, "+39 06 1234 5678")

	tests := []struct {
		name  string
		k     *crypto.Keyring
		other string
		equal bool
	}{
		{"plus and separators", k, "+39-06-1234-5678", true},
		{"leading 00", k, "0039 0612345678", true},
		{"brackets and dots", k, "(+39) 06.1234.5678", true},
		{"another number", k, "+39 06 1234 5679", false},
		{"national form", k, "06 1234 5678", false},
		{"another root key", otherRoot, "+39 06 1234 5678", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bytes.Equal(base, index(tt.k, tt.other))
			if got != tt.equal {
				t.Fatalf("index of %q equals the base: got %v, want %v", tt.other, got, tt.equal)
			}
		})
	}
}

func TestBlindIndexBadNumber(t *testing.T) {
	k, _ := newKeyring(t)

	if _, err := k.BlindIndex("anonymous"); !errors.Is(err, crypto.ErrBadNumber) {
		t.Fatalf("got error %v, want ErrBadNumber", err)
	}
}

func newKeyringWithRoot(t *testing.T, seed byte) (*crypto.Keyring, *crypto.MemoryKeysetStore) {
	t.Helper()

	store := &crypto.MemoryKeysetStore{}
	return openKeyring(t, testRoot(t, seed), store), store
}
