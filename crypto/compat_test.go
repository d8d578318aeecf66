package crypto_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

var update = flag.Bool("update", false, "rewrite testdata/format-v1.json")

const fixturePath = "testdata/format-v1.json"

// fixture is stored data of format version 1, written once with
// -update. Reading it proves that data stored by earlier builds stays
// readable, and gives the fuzz targets the same input in every process.
type fixture struct {
	Root             string // a test key, not a secret
	Check            []byte
	Keyset           []byte
	TranscriptText   string
	Transcript       []byte
	TranscriptKey    []byte
	RecordingSize    int
	Recording        []byte
	RecordingKey     []byte
	BackupKey        []byte
	BackupObjectSize int
	BackupObject     []byte
}

// Plaintexts of the fixture.
const (
	fixtureText         = "agent: your appointment moved to Friday"
	fixtureRecording    = 300
	fixtureBackupObject = 200
)

func TestFormatV1(t *testing.T) {
	if *update {
		writeFixture(t)
	}
	fx, k := loadFixture(t)

	got, err := k.Open(transcript, fx.Transcript, fx.TranscriptKey)
	if err != nil || string(got) != fixtureText {
		t.Fatalf("Open: got (%q, %v), want (%q, nil)", got, err, fixtureText)
	}

	stream, err := decryptStream(k, recording, fx.Recording, fx.RecordingKey)
	if err != nil || !bytes.Equal(stream, pattern(fixtureRecording)) {
		t.Fatalf("read stream: got (%d bytes, %v), want (%d bytes, nil)",
			len(stream), err, fixtureRecording)
	}

	key, err := k.UnwrapBackupKey(fx.BackupKey, backupID)
	if err != nil {
		t.Fatalf("UnwrapBackupKey: got error %v, want nil", err)
	}
	object, err := decryptObject(key, object, fx.BackupObject)
	if err != nil || !bytes.Equal(object, pattern(fixtureBackupObject)) {
		t.Fatalf("read backup object: got (%d bytes, %v), want (%d bytes, nil)",
			len(object), err, fixtureBackupObject)
	}
}

// loadFixture reads the fixture and opens a Keyring over its keysets.
func loadFixture(t testing.TB) (fixture, *crypto.Keyring) {
	t.Helper()

	data, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatalf("read fixture: got error %v, want nil (run go test -run TestFormatV1 -update)", err)
	}
	var fx fixture
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatalf("decode fixture: got error %v, want nil", err)
	}

	root, err := crypto.ParseRootKey("ENCRYPTION_KEY", fx.Root)
	if err != nil {
		t.Fatalf("ParseRootKey: got error %v, want nil", err)
	}
	return fx, openKeyring(t, root, fixtureStore(t, fx.Check, fx.Keyset))
}

// fixtureStore returns a store holding the given keysets.
func fixtureStore(t testing.TB, check, keyset []byte) *crypto.MemoryKeysetStore {
	t.Helper()

	store := &crypto.MemoryKeysetStore{}
	sealed := crypto.Sealed{Check: check, Keysets: map[string][]byte{"record-wrap": keyset}}
	if err := store.CreateKeysets(context.Background(), sealed); err != nil {
		t.Fatalf("CreateKeysets: got error %v, want nil", err)
	}
	return store
}

func writeFixture(t *testing.T) {
	t.Helper()

	k, store := newKeyring(t)
	sealed, err := store.LoadKeysets(context.Background())
	if err != nil {
		t.Fatalf("LoadKeysets: got error %v, want nil", err)
	}
	fx := fixture{
		Root:             rootKeyText(1),
		Check:            sealed.Check,
		Keyset:           sealed.Keysets["record-wrap"],
		TranscriptText:   fixtureText,
		RecordingSize:    fixtureRecording,
		BackupObjectSize: fixtureBackupObject,
	}

	fx.Transcript, fx.TranscriptKey, err = k.Seal(transcript, []byte(fixtureText))
	if err != nil {
		t.Fatalf("Seal: got error %v, want nil", err)
	}
	fx.Recording, fx.RecordingKey = encryptStream(t, k, recording, pattern(fixtureRecording))

	key := newStreamKey(t)
	fx.BackupObject = encryptObject(t, key, object, pattern(fixtureBackupObject))
	if fx.BackupKey, err = k.WrapBackupKey(key, backupID); err != nil {
		t.Fatalf("WrapBackupKey: got error %v, want nil", err)
	}

	data, err := json.MarshalIndent(fx, "", "\t")
	if err != nil {
		t.Fatalf("encode fixture: got error %v, want nil", err)
	}
	if err := os.MkdirAll(filepath.Dir(fixturePath), 0o755); err != nil {
		t.Fatalf("create testdata: got error %v, want nil", err)
	}
	if err := os.WriteFile(fixturePath, append(data, '\n'), 0o644); err != nil {
		t.Fatalf("write fixture: got error %v, want nil", err)
	}
}
