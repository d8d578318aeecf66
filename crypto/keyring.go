package crypto

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Keyring holds the keys derived from a root key and the unsealed
// keysets. It encrypts and decrypts records, streams and backup keys.
// It keeps the derived keys, never the root key. A Keyring is safe for
// concurrent use, Rotate and Reload included.
type Keyring struct {
	keys derivedKeys

	mu    sync.Mutex // serialises Rotate and Reload
	state atomic.Pointer[ringState]
}

// ringState is one version of the keysets; Rotate and Reload replace it
// whole, so that a reader never sees half of a rotation.
type ringState struct {
	sealed  Sealed
	wrap    tink.AEAD // the record-wrap keyset: primary encrypts, any decrypts
	handle  *keyset.Handle
	primary uint32
	keyIDs  map[uint32]bool
}

// Open returns the Keyring of root over the keysets in store, creating
// and storing them when store has none. It returns a *KeyError wrapping
// ErrWrongKey, with a hint, when root is not the key the keysets were
// sealed with; nothing is written then. It returns an error wrapping
// ErrKeysetDamaged when the key is right but a keyset does not decrypt,
// and ErrBadKey for a zero RootKey.
func Open(ctx context.Context, root RootKey, store KeysetStore) (*Keyring, error) {
	keys, err := deriveKeys(root)
	if err != nil {
		return nil, err
	}

	sealed, err := loadOrCreate(ctx, store, keys)
	if err != nil {
		return nil, err
	}

	return openSealed(keys, sealed)
}

// loadOrCreate loads the keysets, or creates them on first use. When
// another process creates them first, its keysets win.
func loadOrCreate(ctx context.Context, store KeysetStore, keys derivedKeys) (Sealed, error) {
	sealed, err := store.LoadKeysets(ctx)
	if !errors.Is(err, ErrNoKeysets) {
		return sealed, wrapErr("load keysets", err)
	}

	fresh, err := newSealed(keys)
	if err != nil {
		return Sealed{}, err
	}

	err = store.CreateKeysets(ctx, fresh)
	if errors.Is(err, ErrKeysetsExist) {
		sealed, err = store.LoadKeysets(ctx)
		return sealed, wrapErr("load keysets", err)
	}
	return fresh, wrapErr("create keysets", err)
}

// openSealed checks the root key against sealed and unseals it.
func openSealed(keys derivedKeys, sealed Sealed) (*Keyring, error) {
	if !keys.checks(sealed.Check) {
		return nil, wrongKey(keys.variable)
	}

	st, err := unsealState(sealed, keys.kek)
	if err != nil {
		return nil, err
	}

	k := &Keyring{keys: keys}
	k.state.Store(st)
	return k, nil
}

// unsealState unseals sealed into a ringState.
func unsealState(sealed Sealed, kek tink.AEAD) (*ringState, error) {
	h, err := unsealAll(sealed, kek)
	if err != nil {
		return nil, err
	}
	return newState(sealed, h)
}

// newState builds the ringState of the record-wrap keyset h.
func newState(sealed Sealed, h *keyset.Handle) (*ringState, error) {
	wrap, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("open keyset %s: %w", purposeRecordWrap, ErrKeysetDamaged)
	}

	info := h.KeysetInfo()
	ids := make(map[uint32]bool, len(info.GetKeyInfo()))
	for _, ki := range info.GetKeyInfo() {
		ids[ki.GetKeyId()] = true
	}

	return &ringState{
		sealed:  sealed.clone(),
		wrap:    wrap,
		handle:  h,
		primary: info.GetPrimaryKeyId(),
		keyIDs:  ids,
	}, nil
}

// Reload replaces the keysets with those in store, so that a process
// sees a key that another process added with Rotate. It returns a
// *KeyError wrapping ErrWrongKey when the root key was rotated away
// meanwhile, and the errors of Open otherwise.
func (k *Keyring) Reload(ctx context.Context, store KeysetStore) error {
	k.mu.Lock()
	defer k.mu.Unlock()

	sealed, err := store.LoadKeysets(ctx)
	if err != nil {
		return fmt.Errorf("load keysets: %w", err)
	}
	if !k.keys.checks(sealed.Check) {
		return wrongKey(k.keys.variable)
	}

	st, err := unsealState(sealed, k.keys.kek)
	if err != nil {
		return err
	}
	k.state.Store(st)
	return nil
}

// PrimaryKeyID returns the id of the key that wraps new data keys.
func (k *Keyring) PrimaryKeyID() uint32 {
	return k.state.Load().primary
}

// HasKey reports whether the record-wrap keyset holds the key id, as
// returned by WrappingKeyID. A process that finds a key it lacks can
// Reload: another process has rotated.
func (k *Keyring) HasKey(id uint32) bool {
	return k.state.Load().keyIDs[id]
}

func wrongKey(variable string) error {
	return &KeyError{
		Variable: variable,
		Problem:  "does not match the key this store was created with",
		Hint: "use the original key, or to change keys set the original " +
			`as ENCRYPTION_KEY_PREVIOUS and run "avrdata keys rotate-root"`,
		Err: ErrWrongKey,
	}
}

// wrapErr prefixes a non-nil err with op.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}
