package crypto

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead/subtle"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// HKDF labels, one per use of the root key. A key derived for one use
// is independent of every other, so a leak of, say, the blind index key
// reveals nothing about the KEK.
const (
	labelKEK        = "avrdata v1 kek"
	labelBlindIndex = "avrdata v1 blind index"
	labelBackupKEK  = "avrdata v1 backup kek"
	labelCheck      = "avrdata v1 key check"

	// checkMessage is the fixed message the key check value is a MAC of.
	checkMessage = "avrdata v1 key check value"
)

// derivedKeys are the keys a Keyring keeps in place of the root key.
type derivedKeys struct {
	variable   string    // the root key's variable, for error messages
	kek        tink.AEAD // seals keysets
	backupKEK  tink.AEAD // wraps backup keys
	blindIndex []byte    // HMAC key of caller numbers
	check      []byte    // key check value, stored beside the keysets
}

// deriveKeys derives every key of the hierarchy from root. It returns a
// *KeyError wrapping ErrBadKey for a zero RootKey.
func deriveKeys(root RootKey) (derivedKeys, error) {
	if root.key == nil {
		return derivedKeys{}, &KeyError{
			Variable: root.name(), Problem: "is not set",
			Hint: keygenHint, Err: ErrBadKey,
		}
	}

	kek, err := deriveAEAD(root, labelKEK)
	if err != nil {
		return derivedKeys{}, err
	}

	backupKEK, err := deriveAEAD(root, labelBackupKEK)
	if err != nil {
		return derivedKeys{}, err
	}

	return derivedKeys{
		variable:   root.name(),
		kek:        kek,
		backupKEK:  backupKEK,
		blindIndex: derive(root, labelBlindIndex),
		check:      checkValue(derive(root, labelCheck)),
	}, nil
}

// derive returns the 32-byte key for label. HKDF cannot fail for this
// hash and length, so an error here is a broken invariant.
func derive(root RootKey, label string) []byte {
	key, err := hkdf.Key(sha256.New, root.key[:], nil, label, 32)
	if err != nil {
		panic("crypto: hkdf: " + err.Error())
	}
	return key
}

// deriveAEAD returns an AES-256-GCM AEAD keyed for label.
func deriveAEAD(root RootKey, label string) (tink.AEAD, error) {
	key := derive(root, label)
	defer clear(key)

	a, err := subtle.NewAESGCM(key)
	if err != nil {
		return nil, fmt.Errorf("derive %s: %w", label, err)
	}
	return a, nil
}

// checkValue is the MAC of a fixed message under the check key. It
// tells whether a root key is the one the keysets were sealed with,
// without decrypting anything and without revealing the key.
func checkValue(checkKey []byte) []byte {
	defer clear(checkKey)

	mac := hmac.New(sha256.New, checkKey)
	mac.Write([]byte(checkMessage))
	return mac.Sum(nil)
}

// checks reports, in constant time, whether check is this root key's
// key check value.
func (d derivedKeys) checks(check []byte) bool {
	return hmac.Equal(check, d.check)
}

// name returns the variable the key came from, ENCRYPTION_KEY when
// unknown.
func (k RootKey) name() string {
	if k.variable == "" {
		return "ENCRYPTION_KEY"
	}
	return k.variable
}
