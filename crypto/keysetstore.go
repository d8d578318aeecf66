package crypto

import (
	"bytes"
	"context"
	"maps"
	"sync"
)

// Sealed is what a KeysetStore keeps: the key check value and the Tink
// keysets encrypted under the KEK. None of it is secret without the
// root key.
type Sealed struct {
	// Check is the key check value of the root key the keysets are
	// sealed under.
	Check []byte

	// Keysets maps a keyset's purpose, such as "record-wrap", to the
	// keyset encrypted under the KEK with the purpose as associated data.
	Keysets map[string][]byte
}

// Equal reports whether s and o hold the same bytes.
func (s Sealed) Equal(o Sealed) bool {
	return bytes.Equal(s.Check, o.Check) &&
		maps.EqualFunc(s.Keysets, o.Keysets, bytes.Equal)
}

// clone returns a deep copy of s, so that no caller shares its slices.
func (s Sealed) clone() Sealed {
	c := Sealed{
		Check:   bytes.Clone(s.Check),
		Keysets: make(map[string][]byte, len(s.Keysets)),
	}
	for purpose, b := range s.Keysets {
		c.Keysets[purpose] = bytes.Clone(b)
	}
	return c
}

// KeysetStore persists the sealed keysets. The store package implements
// it on PostgreSQL; MemoryKeysetStore serves tests. Implementations must
// be safe for concurrent use and must make each write atomic.
type KeysetStore interface {
	// LoadKeysets returns the stored keysets, or ErrNoKeysets when none
	// have been created yet.
	LoadKeysets(ctx context.Context) (Sealed, error)

	// CreateKeysets stores s when nothing is stored yet, and returns
	// ErrKeysetsExist otherwise.
	CreateKeysets(ctx context.Context, s Sealed) error

	// ReplaceKeysets stores next if what is stored equals old, and
	// returns ErrKeysetsChanged otherwise (compare-and-swap).
	ReplaceKeysets(ctx context.Context, old, next Sealed) error
}

var _ KeysetStore = (*MemoryKeysetStore)(nil)

// MemoryKeysetStore is a KeysetStore in memory, for tests. The zero
// value is an empty store, safe for concurrent use.
type MemoryKeysetStore struct {
	mu     sync.Mutex
	sealed *Sealed
	writes int
}

// LoadKeysets returns a copy of the stored keysets, ErrNoKeysets when
// there are none, or ctx's error when it is done.
func (m *MemoryKeysetStore) LoadKeysets(ctx context.Context) (Sealed, error) {
	if err := ctx.Err(); err != nil {
		return Sealed{}, err
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	if m.sealed == nil {
		return Sealed{}, ErrNoKeysets
	}
	return m.sealed.clone(), nil
}

// CreateKeysets stores a copy of s, or returns ErrKeysetsExist when
// keysets are stored already.
func (m *MemoryKeysetStore) CreateKeysets(ctx context.Context, s Sealed) error {
	if err := ctx.Err(); err != nil {
		return err
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	if m.sealed != nil {
		return ErrKeysetsExist
	}
	return m.store(s)
}

// ReplaceKeysets stores a copy of next if the stored keysets equal old,
// and returns ErrKeysetsChanged otherwise.
func (m *MemoryKeysetStore) ReplaceKeysets(ctx context.Context, old, next Sealed) error {
	if err := ctx.Err(); err != nil {
		return err
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	if m.sealed == nil || !m.sealed.Equal(old) {
		return ErrKeysetsChanged
	}
	return m.store(next)
}

// Writes returns how many times keysets were created or replaced, so
// that tests can assert that nothing was written.
func (m *MemoryKeysetStore) Writes() int {
	m.mu.Lock()
	defer m.mu.Unlock()

	return m.writes
}

func (m *MemoryKeysetStore) store(s Sealed) error {
	c := s.clone()
	m.sealed = &c
	m.writes++
	return nil
}
