package crypto

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
)

// Format bytes, the first byte of a wrapped data key's plaintext. They
// say what the data key encrypts, so that a key wrapped for a stream is
// never used for a small ciphertext or the other way round.
const (
	formatAEAD   byte = 1 // AES-256-GCM over one small payload
	formatStream byte = 2 // Tink AES-256-GCM-HKDF streaming, SegmentSize
)

const (
	dataKeySize = 32

	// Tink's output prefix: a start byte, then the key id, big endian.
	tinkStartByte  = 1
	tinkPrefixSize = 5
)

// newDataKey returns a fresh random data key. One key per record means
// that a random 96-bit GCM nonce is used once per key, so nonce
// collisions cannot happen however many records are stored.
func newDataKey() []byte {
	key := make([]byte, dataKeySize)
	rand.Read(key)
	return key
}

// wrapDataKey encrypts format||key under the primary key with ref as
// associated data, so that the wrapped key opens only for ref.
func (k *Keyring) wrapDataKey(ref Ref, format byte, key []byte) ([]byte, error) {
	return wrapWith(k.state.Load(), ref, format, key)
}

// wrapWith wraps under the primary key of st.
func wrapWith(st *ringState, ref Ref, format byte, key []byte) ([]byte, error) {
	plain := append([]byte{format}, key...)
	defer clear(plain)

	wrapped, err := st.wrap.Encrypt(plain, associatedData(ref, useWrap))
	if err != nil {
		return nil, fmt.Errorf("wrap key of %s: %w", ref, err)
	}
	return wrapped, nil
}

// unwrapDataKey returns the data key wrapped for ref, which must be of
// format. Every failure is an *IntegrityError naming ref.
func (k *Keyring) unwrapDataKey(ref Ref, format byte, wrapped []byte) ([]byte, error) {
	got, key, err := unwrapWith(k.state.Load(), ref, wrapped)
	if err != nil {
		return nil, err
	}

	if got != format {
		clear(key)
		return nil, integrityError(ref)
	}
	return key, nil
}

// unwrapWith decrypts wrapped with any key of the keyset and returns its
// format and data key.
func unwrapWith(st *ringState, ref Ref, wrapped []byte) (byte, []byte, error) {
	plain, err := st.wrap.Decrypt(wrapped, associatedData(ref, useWrap))
	if err != nil || len(plain) != 1+dataKeySize {
		clear(plain)
		return 0, nil, integrityError(ref)
	}

	key := bytes.Clone(plain[1:])
	format := plain[0]
	clear(plain)
	return format, key, nil
}

// Rewrap re-wraps the data key in wrappedKey under the current primary
// key, without touching the data it encrypts. It returns changed false,
// and wrappedKey itself, when the primary key wraps it already. It
// returns an *IntegrityError when wrappedKey does not open for ref.
func (k *Keyring) Rewrap(ref Ref, wrappedKey []byte) (newWrapped []byte, changed bool, err error) {
	st := k.state.Load()

	format, key, err := unwrapWith(st, ref, wrappedKey)
	if err != nil {
		return nil, false, err
	}
	defer clear(key)

	if id, _ := keyIDOf(wrappedKey); id == st.primary {
		return wrappedKey, false, nil
	}

	newWrapped, err = wrapWith(st, ref, format, key)
	if err != nil {
		return nil, false, err
	}
	return newWrapped, true, nil
}

// WrappingKeyID returns the id of the keyset key that wrapped
// wrappedKey, read from Tink's output prefix without decrypting. It
// returns an error wrapping ErrIntegrity when wrappedKey has no such
// prefix. The id tells which records a rotation has yet to re-wrap.
func (k *Keyring) WrappingKeyID(wrappedKey []byte) (uint32, error) {
	return keyIDOf(wrappedKey)
}

// keyIDOf reads the key id from Tink's output prefix.
func keyIDOf(wrapped []byte) (uint32, error) {
	if len(wrapped) < tinkPrefixSize || wrapped[0] != tinkStartByte {
		return 0, fmt.Errorf("read wrapping key id: %w", ErrIntegrity)
	}
	return binary.BigEndian.Uint32(wrapped[1:tinkPrefixSize]), nil
}
