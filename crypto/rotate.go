package crypto

import (
	"context"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// Rotate adds a new AES-256-GCM key to the record-wrap keyset, makes it
// the primary key that wraps new data keys, and stores the keysets
// through store. Older keys stay in the keyset and keep unwrapping what
// they wrapped; Rewrap moves a record to the new key. The Keyring
// changes only once store accepted the keysets. It returns an error
// wrapping ErrKeysetsChanged when another process changed the keysets
// since this Keyring loaded them: Reload, then try again.
func (k *Keyring) Rotate(ctx context.Context, store KeysetStore) error {
	k.mu.Lock()
	defer k.mu.Unlock()

	old := k.state.Load()
	next, err := rotated(old, k.keys)
	if err != nil {
		return fmt.Errorf("rotate keyset: %w", err)
	}

	if err := store.ReplaceKeysets(ctx, old.sealed, next.sealed); err != nil {
		return fmt.Errorf("rotate keyset: %w", err)
	}
	k.state.Store(next)
	return nil
}

// rotated returns old with a new primary key, sealed under keys.
func rotated(old *ringState, keys derivedKeys) (*ringState, error) {
	h, err := addPrimary(old.handle)
	if err != nil {
		return nil, err
	}

	sealed, err := withKeyset(old.sealed, h, keys)
	if err != nil {
		return nil, err
	}
	return newState(sealed, h)
}

// addPrimary returns h with a new key that is primary.
func addPrimary(h *keyset.Handle) (*keyset.Handle, error) {
	m := keyset.NewManagerFromHandle(h)

	id, err := m.Add(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, err
	}

	if err := m.SetPrimary(id); err != nil {
		return nil, err
	}
	return m.Handle()
}

// withKeyset returns a copy of s with the record-wrap keyset h sealed
// in.
func withKeyset(s Sealed, h *keyset.Handle, keys derivedKeys) (Sealed, error) {
	b, err := sealKeyset(h, keys.kek, purposeRecordWrap)
	if err != nil {
		return Sealed{}, err
	}

	next := s.clone()
	next.Keysets[purposeRecordWrap] = b
	return next, nil
}

// RotateRoot re-seals every keyset in store, sealed under previous, under
// current, with current's key check value, and returns the Keyring of
// current. Data keys and data are untouched. Afterwards Open with
// previous returns ErrWrongKey. When the keysets are sealed under
// current already, as after a completed run, it only opens them. It
// returns a *KeyError wrapping ErrWrongKey that names previous's
// variable when previous is not the key the keysets are sealed under,
// an error wrapping ErrNoKeysets when the store has none, and one
// wrapping ErrKeysetsChanged when another process changed them meanwhile.
//
// The blind index key is derived from the root key, so blind indexes
// computed before RotateRoot no longer match: the caller must recompute
// them with the returned Keyring. It can, because the caller numbers
// are sealed under data keys that RotateRoot does not change. Backup
// keys wrapped before RotateRoot still need previous to unwrap.
func RotateRoot(
	ctx context.Context,
	store KeysetStore,
	previous, current RootKey,
) (*Keyring, error) {
	from, to, err := deriveBoth(previous, current)
	if err != nil {
		return nil, err
	}

	sealed, err := store.LoadKeysets(ctx)
	if err != nil {
		return nil, fmt.Errorf("rotate root key: load keysets: %w", err)
	}
	if to.checks(sealed.Check) {
		return openSealed(to, sealed)
	}

	next, err := reseal(sealed, from, to)
	if err != nil {
		return nil, err
	}

	if err := store.ReplaceKeysets(ctx, sealed, next); err != nil {
		return nil, fmt.Errorf("rotate root key: %w", err)
	}
	return openSealed(to, next)
}

// reseal moves sealed from the keys of one root key to another's, once
// the check value proves that sealed is under from.
func reseal(sealed Sealed, from, to derivedKeys) (Sealed, error) {
	if !from.checks(sealed.Check) {
		return Sealed{}, &KeyError{
			Variable: from.variable,
			Problem:  "does not match the key this store was sealed with",
			Hint:     "set it to the key in use before the change",
			Err:      ErrWrongKey,
		}
	}
	return resealAll(sealed, from.kek, to)
}

// deriveBoth derives the keys of both root keys. previous defaults to
// the ENCRYPTION_KEY_PREVIOUS variable in errors.
func deriveBoth(previous, current RootKey) (from, to derivedKeys, err error) {
	if previous.variable == "" {
		previous.variable = "ENCRYPTION_KEY_PREVIOUS"
	}

	from, err = deriveKeys(previous)
	if err != nil {
		return derivedKeys{}, derivedKeys{}, err
	}

	to, err = deriveKeys(current)
	return from, to, err
}
