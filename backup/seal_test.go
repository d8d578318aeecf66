package backup

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/avrdata/avrdata/crypto"
)

// testKeys returns a keyring of a new root key.
func testKeys(t testing.TB) *crypto.Keyring {
	t.Helper()

	s, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	root, err := crypto.ParseRootKey("ENCRYPTION_KEY", s)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := crypto.Open(context.Background(), root, &crypto.MemoryKeysetStore{})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// sealedManifest returns a manifest file as Backup writes it, under keys.
func sealedManifest(t testing.TB, keys *crypto.Keyring) (Manifest, []byte) {
	t.Helper()

	id := newID(time.Now())
	created, _ := idTime(id)
	m := Manifest{Format: FormatVersion, ID: id, SchemaVersion: 1, Created: created,
		Snapshot: created, Finished: created.Add(time.Second), RetentionDays: 30,
		Tables: []Table{{Name: "records", Columns: []string{"id", "size"}, Rows: 3,
			Objects: []Object{{Name: "records.0000", Size: 99, SHA256: "ab12", DataBytes: 40}}}},
		Bytes: 99, DataBytes: 40}
	key, err := crypto.NewStreamKey()
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		wrapped, err := keys.WrapBackupKey(key, id)
		if err != nil {
			t.Fatal(err)
		}
		m.WrappedKeys = append(m.WrappedKeys, wrapped)
	}
	raw, err := sealManifest(m, key)
	if err != nil {
		t.Fatal(err)
	}
	return m, raw
}

func TestManifestRoundTrip(t *testing.T) {
	keys := testKeys(t)
	want, raw := sealedManifest(t, keys)

	got, _, err := openManifest(raw, want.ID, keys)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if got.ID != want.ID || got.Rows("records") != 3 || len(got.Objects()) != 1 {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestManifestDetectsEveryChangedByte changes each byte of a manifest in
// turn: every change must be refused as damage (or, for the format
// number, as a format this avrdata cannot read), never taken for a wrong
// key and never accepted.
func TestManifestDetectsEveryChangedByte(t *testing.T) {
	keys := testKeys(t)
	m, raw := sealedManifest(t, keys)

	for i := range raw {
		changed := append([]byte(nil), raw...)
		changed[i] ^= 0x01
		_, _, err := openManifest(changed, m.ID, keys)

		var oe *ObjectError
		damage := errors.Is(err, ErrManifest) && errors.As(err, &oe) && oe.Name == manifestName
		if !damage && !errors.Is(err, ErrFormat) {
			t.Fatalf("byte %d (%q) changed: got %v, want ErrManifest naming %s",
				i, raw[i], err, manifestName)
		}
	}
}

func TestManifestWrongKey(t *testing.T) {
	m, raw := sealedManifest(t, testKeys(t))

	_, _, err := openManifest(raw, m.ID, testKeys(t))
	var ke *crypto.KeyError
	if !errors.Is(err, crypto.ErrWrongKey) || !errors.As(err, &ke) {
		t.Fatalf("got %v, want a *crypto.KeyError wrapping ErrWrongKey", err)
	}
}

func TestManifestOfAnotherBackup(t *testing.T) {
	keys := testKeys(t)
	_, raw := sealedManifest(t, keys)

	_, _, err := openManifest(raw, newID(time.Now().Add(time.Hour)), keys)
	if !errors.Is(err, ErrManifest) {
		t.Errorf("got %v, want ErrManifest", err)
	}
}

func TestIDs(t *testing.T) {
	early := newID(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	late := newID(time.Date(2026, 3, 1, 2, 0, 0, int(time.Millisecond), time.UTC))

	if early >= late {
		t.Errorf("ids sort %q before %q, want the earlier first", late, early)
	}
	if got, ok := idTime(early); !ok || !got.Equal(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("idTime(%q): got %v, %v", early, got, ok)
	}
	for _, bad := range []string{"", "tombstones", "20260301T020000.000Z", "20260301T020000.000Z-XYZ12345", "../x"} {
		if _, ok := idTime(bad); ok {
			t.Errorf("idTime(%q): got ok, want not an id", bad)
		}
	}
}
