package crypto_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

func TestRotateKeepsOldKeys(t *testing.T) {
	ctx := context.Background()
	k, store := newKeyring(t)
	oldPrimary := k.PrimaryKeyID()
	ciphertext, wrapped, err := k.Seal(transcript, []byte("before rotation"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}

	if err := k.Rotate(ctx, store); err != nil {
		t.Fatalf("Rotate: got error %v, want nil", err)
	}
	if k.PrimaryKeyID() == oldPrimary {
		t.Fatalf("primary key id: got %d after Rotate, want a new one", oldPrimary)
	}

	got, err := k.Open(transcript, ciphertext, wrapped)
	if err != nil || string(got) != "before rotation" {
		t.Fatalf("Open after Rotate: got (%q, %v), want (%q, nil)", got, err, "before rotation")
	}

	// A keyring opened later reads the rotated keysets from the store.
	reopened := openKeyring(t, testRoot(t, 1), store)
	if got, want := reopened.PrimaryKeyID(), k.PrimaryKeyID(); got != want {
		t.Fatalf("primary after reopening: got %d, want %d", got, want)
	}
	if _, err := reopened.Open(transcript, ciphertext, wrapped); err != nil {
		t.Fatalf("Open with reopened keyring: got error %v, want nil", err)
	}
}

func TestRewrap(t *testing.T) {
	ctx := context.Background()
	k, store := newKeyring(t)
	ciphertext, wrapped, err := k.Seal(transcript, []byte("moved to the new key"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}
	stream, streamWrapped := encryptStream(t, k, recording, pattern(5000))

	if err := k.Rotate(ctx, store); err != nil {
		t.Fatalf("Rotate: got error %v, want nil", err)
	}

	rewrapped := rewrap(t, k, transcript, wrapped, true)
	if _, err := k.Open(transcript, ciphertext, rewrapped); err != nil {
		t.Fatalf("Open after Rewrap: got error %v, want nil", err)
	}

	again := rewrap(t, k, transcript, rewrapped, false)
	if !bytes.Equal(again, rewrapped) {
		t.Fatalf("Rewrap under the primary: got new bytes, want the same")
	}

	streamRewrapped := rewrap(t, k, recording, streamWrapped, true)
	if _, err := decryptStream(k, recording, stream, streamRewrapped); err != nil {
		t.Fatalf("read stream after Rewrap: got error %v, want nil", err)
	}
}

// rewrap re-wraps wrapped and checks that it lands under the primary.
func rewrap(t *testing.T, k *crypto.Keyring, ref crypto.Ref, wrapped []byte, wantChanged bool) []byte {
	t.Helper()

	next, changed, err := k.Rewrap(ref, wrapped)
	if err != nil {
		t.Fatalf("Rewrap: got error %v, want nil", err)
	}
	if changed != wantChanged {
		t.Fatalf("Rewrap changed: got %v, want %v", changed, wantChanged)
	}

	id, err := k.WrappingKeyID(next)
	if err != nil {
		t.Fatalf("WrappingKeyID: got error %v, want nil", err)
	}
	if id != k.PrimaryKeyID() {
		t.Fatalf("WrappingKeyID: got %d, want the primary %d", id, k.PrimaryKeyID())
	}
	return next
}

func TestRewrapTampered(t *testing.T) {
	k, _ := newKeyring(t)
	_, wrapped, err := k.Seal(transcript, []byte("x"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}

	tests := []struct {
		name    string
		ref     crypto.Ref
		wrapped []byte
	}{
		{"modified", transcript, flip(wrapped, len(wrapped)-1)},
		{"truncated", transcript, wrapped[:10]},
		{"another record", crypto.Ref{Kind: "transcript", ID: "other"}, wrapped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := k.Rewrap(tt.ref, tt.wrapped)
			wantIntegrity(t, err, tt.ref)
		})
	}
}

func TestWrappingKeyIDMalformed(t *testing.T) {
	k, _ := newKeyring(t)

	for _, wrapped := range [][]byte{nil, {1, 2, 3}, {0, 0, 0, 0, 1, 9}} {
		if _, err := k.WrappingKeyID(wrapped); !errors.Is(err, crypto.ErrIntegrity) {
			t.Fatalf("WrappingKeyID(%x): got error %v, want ErrIntegrity", wrapped, err)
		}
	}
}

func TestReloadAfterRotateElsewhere(t *testing.T) {
	ctx := context.Background()
	stale, store := newKeyring(t)
	rotator := openKeyring(t, testRoot(t, 1), store)

	if err := rotator.Rotate(ctx, store); err != nil {
		t.Fatalf("Rotate: got error %v, want nil", err)
	}
	ciphertext, wrapped, err := rotator.Seal(transcript, []byte("new key"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}

	id, _ := stale.WrappingKeyID(wrapped)
	if stale.HasKey(id) {
		t.Fatalf("HasKey(%d) before Reload: got true, want false", id)
	}
	if err := stale.Rotate(ctx, store); !errors.Is(err, crypto.ErrKeysetsChanged) {
		t.Fatalf("Rotate with stale keysets: got error %v, want ErrKeysetsChanged", err)
	}

	if err := stale.Reload(ctx, store); err != nil {
		t.Fatalf("Reload: got error %v, want nil", err)
	}
	if !stale.HasKey(id) {
		t.Fatalf("HasKey(%d) after Reload: got false, want true", id)
	}
	if _, err := stale.Open(transcript, ciphertext, wrapped); err != nil {
		t.Fatalf("Open after Reload: got error %v, want nil", err)
	}
}

func TestRotateRoot(t *testing.T) {
	ctx := context.Background()
	previous, current := testRoot(t, 1), testRoot(t, 2)
	store := &crypto.MemoryKeysetStore{}
	k := openKeyring(t, previous, store)
	ciphertext, wrapped, err := k.Seal(transcript, []byte("sealed before"))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}
	stream, streamWrapped := encryptStream(t, k, recording, pattern(3000))
	oldIndex, _ := k.BlindIndex("+39 06 1234 5678")

	rotated, err := crypto.RotateRoot(ctx, store, previous, current)
	if err != nil {
		t.Fatalf("RotateRoot: got error %v, want nil", err)
	}

	if _, err := crypto.Open(ctx, previous, store); !errors.Is(err, crypto.ErrWrongKey) {
		t.Fatalf("Open with the previous root: got error %v, want ErrWrongKey", err)
	}

	for name, kr := range map[string]*crypto.Keyring{
		"returned": rotated, "reopened": openKeyring(t, current, store),
	} {
		got, err := kr.Open(transcript, ciphertext, wrapped)
		if err != nil || string(got) != "sealed before" {
			t.Fatalf("%s keyring: Open: got (%q, %v), want (%q, nil)", name, got, err, "sealed before")
		}
		if _, err := decryptStream(kr, recording, stream, streamWrapped); err != nil {
			t.Fatalf("%s keyring: read stream: got error %v, want nil", name, err)
		}
	}

	newIndex, _ := rotated.BlindIndex("+39 06 1234 5678")
	if bytes.Equal(oldIndex, newIndex) {
		t.Fatalf("blind index after RotateRoot: got the old one, want a new one")
	}
}

func TestRotateRootRunTwice(t *testing.T) {
	ctx := context.Background()
	previous, current := testRoot(t, 1), testRoot(t, 2)
	store := &crypto.MemoryKeysetStore{}
	openKeyring(t, previous, store)

	if _, err := crypto.RotateRoot(ctx, store, previous, current); err != nil {
		t.Fatalf("RotateRoot: got error %v, want nil", err)
	}
	writes := store.Writes()

	if _, err := crypto.RotateRoot(ctx, store, previous, current); err != nil {
		t.Fatalf("second RotateRoot: got error %v, want nil", err)
	}
	if got := store.Writes(); got != writes {
		t.Fatalf("writes after second RotateRoot: got %d, want %d", got, writes)
	}
}

func TestRotateRootRefused(t *testing.T) {
	ctx := context.Background()
	previous, err := crypto.ParseRootKey("ENCRYPTION_KEY_PREVIOUS", rootKeyText(3))
	if err != nil {
		t.Fatalf("ParseRootKey: got error %v, want nil", err)
	}

	tests := []struct {
		name  string
		store func() *crypto.MemoryKeysetStore
		want  error
	}{
		{"previous is not the store's key", func() *crypto.MemoryKeysetStore {
			_, store := newKeyring(t)
			return store
		}, crypto.ErrWrongKey},
		{"no keysets", func() *crypto.MemoryKeysetStore {
			return &crypto.MemoryKeysetStore{}
		}, crypto.ErrNoKeysets},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := tt.store()
			writes := store.Writes()

			_, err := crypto.RotateRoot(ctx, store, previous, testRoot(t, 2))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if got := store.Writes(); got != writes {
				t.Fatalf("writes: got %d, want %d", got, writes)
			}
		})
	}
}

func TestRotateRootNamesPreviousVariable(t *testing.T) {
	_, store := newKeyring(t)
	wrong, err := crypto.ParseRootKey("ENCRYPTION_KEY_PREVIOUS", rootKeyText(9))
	if err != nil {
		t.Fatalf("ParseRootKey: got error %v, want nil", err)
	}

	_, err = crypto.RotateRoot(context.Background(), store, wrong, testRoot(t, 2))
	var ke *crypto.KeyError
	if !errors.As(err, &ke) || ke.Variable != "ENCRYPTION_KEY_PREVIOUS" {
		t.Fatalf("got error %v, want a *KeyError naming ENCRYPTION_KEY_PREVIOUS", err)
	}
}
