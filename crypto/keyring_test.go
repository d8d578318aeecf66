package crypto_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

func TestOpenCreatesKeysetsOnce(t *testing.T) {
	store := &crypto.MemoryKeysetStore{}
	root := testRoot(t, 1)

	first := openKeyring(t, root, store)
	if got, want := store.Writes(), 1; got != want {
		t.Fatalf("writes after first Open: got %d, want %d", got, want)
	}

	second := openKeyring(t, root, store)
	if got, want := store.Writes(), 1; got != want {
		t.Fatalf("writes after second Open: got %d, want %d", got, want)
	}

	ciphertext, wrapped, err := first.Seal(transcript, []byte("hello"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}
	if _, err := second.Open(transcript, ciphertext, wrapped); err != nil {
		t.Fatalf("Open with the second keyring: got error %v, want nil", err)
	}
}

func TestOpenWrongRootKey(t *testing.T) {
	store := &crypto.MemoryKeysetStore{}
	openKeyring(t, testRoot(t, 1), store)
	writes := store.Writes()

	_, err := crypto.Open(context.Background(), testRoot(t, 2), store)
	if !errors.Is(err, crypto.ErrWrongKey) {
		t.Fatalf("got error %v, want ErrWrongKey", err)
	}
	if errors.Is(err, crypto.ErrKeysetDamaged) {
		t.Fatalf("got error %v, want no ErrKeysetDamaged", err)
	}

	var ke *crypto.KeyError
	if !errors.As(err, &ke) || ke.Variable != "ENCRYPTION_KEY" {
		t.Fatalf("got error %v, want a *KeyError naming ENCRYPTION_KEY", err)
	}
	if !strings.Contains(ke.Hint, "rotate-root") {
		t.Fatalf("hint: got %q, want one naming rotate-root", ke.Hint)
	}
	if got := store.Writes(); got != writes {
		t.Fatalf("writes: got %d, want %d (nothing written)", got, writes)
	}
}

func TestOpenZeroRootKey(t *testing.T) {
	store := &crypto.MemoryKeysetStore{}

	_, err := crypto.Open(context.Background(), crypto.RootKey{}, store)
	if !errors.Is(err, crypto.ErrBadKey) {
		t.Fatalf("got error %v, want ErrBadKey", err)
	}
	if got := store.Writes(); got != 0 {
		t.Fatalf("writes: got %d, want 0", got)
	}
}

// storeHolding returns a store holding the keysets of a fresh store,
// changed by edit.
func storeHolding(t *testing.T, edit func(*crypto.Sealed)) *crypto.MemoryKeysetStore {
	t.Helper()

	_, fresh := newKeyring(t)
	sealed, err := fresh.LoadKeysets(context.Background())
	if err != nil {
		t.Fatalf("LoadKeysets: got error %v, want nil", err)
	}
	edit(&sealed)

	store := &crypto.MemoryKeysetStore{}
	if err := store.CreateKeysets(context.Background(), sealed); err != nil {
		t.Fatalf("CreateKeysets: got error %v, want nil", err)
	}
	return store
}

func TestOpenDamagedKeysets(t *testing.T) {
	tests := []struct {
		name string
		edit func(*crypto.Sealed)
		want error
	}{
		{"keyset modified", func(s *crypto.Sealed) {
			s.Keysets["record-wrap"][20] ^= 1
		}, crypto.ErrKeysetDamaged},
		{"keyset truncated", func(s *crypto.Sealed) {
			s.Keysets["record-wrap"] = s.Keysets["record-wrap"][:30]
		}, crypto.ErrKeysetDamaged},
		{"keyset missing", func(s *crypto.Sealed) {
			delete(s.Keysets, "record-wrap")
		}, crypto.ErrKeysetDamaged},
		{"keyset under another purpose", func(s *crypto.Sealed) {
			s.Keysets["other"] = s.Keysets["record-wrap"]
		}, crypto.ErrKeysetDamaged},
		{"check modified", func(s *crypto.Sealed) {
			s.Check[0] ^= 1
		}, crypto.ErrWrongKey},
		{"check missing", func(s *crypto.Sealed) {
			s.Check = nil
		}, crypto.ErrWrongKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := storeHolding(t, tt.edit)
			writes := store.Writes()

			_, err := crypto.Open(context.Background(), testRoot(t, 1), store)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if got := store.Writes(); got != writes {
				t.Fatalf("writes: got %d, want %d", got, writes)
			}
		})
	}
}

func TestOpenConcurrentFirstUse(t *testing.T) {
	store := &crypto.MemoryKeysetStore{}
	root := testRoot(t, 1)
	keyrings := make([]*crypto.Keyring, 4)
	errs := make([]error, len(keyrings))

	var wg sync.WaitGroup
	for i := range keyrings {
		wg.Go(func() {
			keyrings[i], errs[i] = crypto.Open(context.Background(), root, store)
		})
	}
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: got error %v, want nil", i, err)
		}
	}
	if got, want := store.Writes(), 1; got != want {
		t.Fatalf("writes: got %d, want %d", got, want)
	}

	ciphertext, wrapped, err := keyrings[0].Seal(transcript, []byte("x"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}
	for i, k := range keyrings {
		if _, err := k.Open(transcript, ciphertext, wrapped); err != nil {
			t.Fatalf("keyring %d: Open: got error %v, want nil", i, err)
		}
	}
}

// failingStore fails every call with err.
type failingStore struct{ err error }

func (f failingStore) LoadKeysets(context.Context) (crypto.Sealed, error) {
	return crypto.Sealed{}, f.err
}

func (f failingStore) CreateKeysets(context.Context, crypto.Sealed) error { return f.err }

func (f failingStore) ReplaceKeysets(context.Context, crypto.Sealed, crypto.Sealed) error {
	return f.err
}

func TestOpenStoreError(t *testing.T) {
	errDown := errors.New("database is down")

	_, err := crypto.Open(context.Background(), testRoot(t, 1), failingStore{errDown})
	if !errors.Is(err, errDown) {
		t.Fatalf("got error %v, want %v", err, errDown)
	}
}

func TestKeyringConcurrentUse(t *testing.T) {
	k, store := newKeyring(t)

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ref := crypto.Ref{Kind: "transcript", ID: string(rune('a' + i))}
			for range 20 {
				c, w, err := k.Seal(ref, []byte("words"))
				if err != nil {
					t.Errorf("Seal: got error %v, want nil", err)
					return
				}
				if _, err := k.Open(ref, c, w); err != nil {
					t.Errorf("Open: got error %v, want nil", err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 3 {
			if err := k.Rotate(context.Background(), store); err != nil {
				t.Errorf("Rotate: got error %v, want nil", err)
			}
		}
	})
	wg.Wait()
}
