package crypto

import (
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead/subtle"
)

// Seal encrypts a small payload, such as a transcript or a caller
// number, for ref. It returns the ciphertext and the data key wrapped by
// the primary key; store both, and give both, with the same ref, to
// Open. Each call uses a fresh data key. Its error is reserved for a
// broken keyset.
func (k *Keyring) Seal(ref Ref, plaintext []byte) (ciphertext, wrappedKey []byte, err error) {
	key := newDataKey()
	defer clear(key)

	wrappedKey, err = k.wrapDataKey(ref, formatAEAD, key)
	if err != nil {
		return nil, nil, fmt.Errorf("seal %s: %w", ref, err)
	}

	a, err := subtle.NewAESGCM(key)
	if err != nil {
		return nil, nil, fmt.Errorf("seal %s: %w", ref, err)
	}

	ciphertext, err = a.Encrypt(plaintext, associatedData(ref, useAEAD))
	if err != nil {
		return nil, nil, fmt.Errorf("seal %s: %w", ref, err)
	}
	return ciphertext, wrappedKey, nil
}

// Open decrypts what Seal returned for ref. When the ciphertext or the
// wrapped key was modified, truncated, or belongs to another record, it
// returns nil and an *IntegrityError naming ref.
func (k *Keyring) Open(ref Ref, ciphertext, wrappedKey []byte) ([]byte, error) {
	key, err := k.unwrapDataKey(ref, formatAEAD, wrappedKey)
	if err != nil {
		return nil, err
	}
	defer clear(key)

	a, err := subtle.NewAESGCM(key)
	if err != nil {
		return nil, integrityError(ref)
	}

	plaintext, err := a.Decrypt(ciphertext, associatedData(ref, useAEAD))
	if err != nil {
		return nil, integrityError(ref)
	}
	return plaintext, nil
}
