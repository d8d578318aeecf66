package crypto

import (
	"errors"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// purposeRecordWrap is the keyset whose primary key wraps data keys.
const purposeRecordWrap = "record-wrap"

// newSealed generates the keysets of a new store and seals them under
// keys.
func newSealed(keys derivedKeys) (Sealed, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return Sealed{}, fmt.Errorf("generate keyset: %w", err)
	}

	b, err := sealKeyset(h, keys.kek, purposeRecordWrap)
	if err != nil {
		return Sealed{}, err
	}

	return Sealed{
		Check:   keys.check,
		Keysets: map[string][]byte{purposeRecordWrap: b},
	}, nil
}

// sealKeyset encrypts h under kek with purpose as associated data, so
// that a keyset swapped into another purpose's place fails to open.
func sealKeyset(h *keyset.Handle, kek tink.AEAD, purpose string) ([]byte, error) {
	var w encryptedKeyset
	if err := h.WriteWithAssociatedData(&w, kek, []byte(purpose)); err != nil {
		return nil, fmt.Errorf("seal keyset %s: %w", purpose, err)
	}
	return w.ciphertext, nil
}

// unsealKeyset decrypts a keyset sealed by sealKeyset. Any failure is
// ErrKeysetDamaged: the caller has checked the root key already.
func unsealKeyset(b []byte, kek tink.AEAD, purpose string) (*keyset.Handle, error) {
	r := encryptedKeyset{ciphertext: b}

	h, err := keyset.ReadWithAssociatedData(&r, kek, []byte(purpose))
	if err != nil {
		return nil, fmt.Errorf("open keyset %s: %w", purpose, ErrKeysetDamaged)
	}
	return h, nil
}

// unsealAll decrypts every keyset in s, so that damage anywhere is found
// at startup, and returns the record-wrap keyset.
func unsealAll(s Sealed, kek tink.AEAD) (*keyset.Handle, error) {
	if _, ok := s.Keysets[purposeRecordWrap]; !ok {
		return nil, fmt.Errorf("open keyset %s: missing: %w",
			purposeRecordWrap, ErrKeysetDamaged)
	}

	var wrap *keyset.Handle
	for purpose, b := range s.Keysets {
		h, err := unsealKeyset(b, kek, purpose)
		if err != nil {
			return nil, err
		}
		if purpose == purposeRecordWrap {
			wrap = h
		}
	}
	return wrap, nil
}

// resealAll moves every keyset in s from one KEK to the keys of another
// root key, keys and all, and takes that root's key check value.
func resealAll(s Sealed, from tink.AEAD, to derivedKeys) (Sealed, error) {
	next := Sealed{Check: to.check, Keysets: map[string][]byte{}}

	for purpose, b := range s.Keysets {
		h, err := unsealKeyset(b, from, purpose)
		if err != nil {
			return Sealed{}, err
		}

		next.Keysets[purpose], err = sealKeyset(h, to.kek, purpose)
		if err != nil {
			return Sealed{}, err
		}
	}
	return next, nil
}

// encryptedKeyset holds only the ciphertext of a Tink keyset. Tink's own
// serialisation adds key metadata outside the ciphertext; leaving it out
// makes every stored byte authenticated.
type encryptedKeyset struct {
	ciphertext []byte
}

var errCleartextKeyset = errors.New("cleartext keysets are not stored")

func (e *encryptedKeyset) Read() (*tinkpb.Keyset, error) {
	return nil, errCleartextKeyset
}

func (e *encryptedKeyset) ReadEncrypted() (*tinkpb.EncryptedKeyset, error) {
	return &tinkpb.EncryptedKeyset{EncryptedKeyset: e.ciphertext}, nil
}

func (e *encryptedKeyset) Write(*tinkpb.Keyset) error {
	return errCleartextKeyset
}

func (e *encryptedKeyset) WriteEncrypted(k *tinkpb.EncryptedKeyset) error {
	e.ciphertext = k.GetEncryptedKeyset()
	return nil
}
