package crypto

import "encoding/binary"

// Ref names what a ciphertext belongs to, such as
// Ref{Kind: "recording", ID: "<uuid>"}. Every ciphertext and wrapped key
// is bound to its Ref: presented with another Ref it fails to decrypt.
// Kind also names the record in errors.
type Ref struct {
	Kind string
	ID   string
}

// String returns "Kind ID".
func (r Ref) String() string { return r.Kind + " " + r.ID }

// Uses of a Ref in associated data: the same record's wrapped key,
// small ciphertext and stream can never stand in for one another.
const (
	adDomain  = "avrdata v1"
	useWrap   = "wrap"
	useAEAD   = "aead"
	useStream = "stream"
)

// associatedData encodes the domain, ref and use, each prefixed with its
// length, so that no two different triples encode alike (a kind ending
// in "1" cannot borrow the id's first character).
func associatedData(ref Ref, use string) []byte {
	fields := [...]string{adDomain, ref.Kind, ref.ID, use}

	size := 0
	for _, f := range fields {
		size += 4 + len(f)
	}

	ad := make([]byte, 0, size)
	for _, f := range fields {
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(f)))
		ad = append(ad, f...)
	}
	return ad
}
