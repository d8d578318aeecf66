package backup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/avrdata/avrdata/crypto"
)

// manifestFile is manifest.json: the manifest in clear, for listing
// without keys, and the same bytes sealed with the backup key, which
// authenticates them. A reader accepts the file only when it is exactly
// what sealManifest would write for the clear manifest and the sealed copy
// decrypts to it, so a change to any byte of the file is detected.
type manifestFile struct {
	Manifest json.RawMessage `json:"manifest"`
	Sealed   []byte          `json:"sealed"`
}

// sealManifest encodes m and seals it with key, the backup key.
func sealManifest(m Manifest, key crypto.StreamKey) ([]byte, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}

	var sealed bytes.Buffer
	w, err := key.NewWriter(&sealed, manifestRef(m.ID))
	if err != nil {
		return nil, fmt.Errorf("seal manifest: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return nil, fmt.Errorf("seal manifest: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("seal manifest: %w", err)
	}
	return encodeManifestFile(body, sealed.Bytes())
}

func encodeManifestFile(body, sealed []byte) ([]byte, error) {
	out, err := json.MarshalIndent(manifestFile{Manifest: body, Sealed: sealed}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return append(out, '\n'), nil
}

func manifestRef(id string) crypto.Ref {
	return crypto.Ref{Kind: "backup manifest", ID: id}
}

// parseManifest decodes the manifest of backup id from raw without
// authenticating it (listing needs no key). It returns an error wrapping
// ErrManifest when raw is not a well-formed manifest file of backup id,
// and ErrFormat when it is of a newer format.
func parseManifest(raw []byte, id string) (Manifest, manifestFile, error) {
	var f manifestFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return Manifest{}, f, manifestError(id, "not a manifest")
	}
	f.Manifest = compact(f.Manifest)
	canonical, err := encodeManifestFile(f.Manifest, f.Sealed)
	if err != nil || !bytes.Equal(canonical, raw) {
		return Manifest{}, f, manifestError(id, "modified")
	}

	var m Manifest
	if err := json.Unmarshal(f.Manifest, &m); err != nil {
		return Manifest{}, f, manifestError(id, "not a manifest")
	}
	if m.ID != id {
		return Manifest{}, f, manifestError(id, "belongs to backup "+m.ID)
	}
	if m.Format < 1 {
		return Manifest{}, f, manifestError(id, "no format version")
	}
	if m.Format > FormatVersion {
		return Manifest{}, f, fmt.Errorf("backup %s: %w: format %d, this avrdata reads up to %d "+
			"(a newer avrdata made it, or the manifest is damaged)", id, ErrFormat, m.Format, FormatVersion)
	}
	return m, f, nil
}

// openManifest authenticates the manifest of backup id with keys and
// returns it with the backup key. A wrong root key gives a
// *crypto.KeyError wrapping crypto.ErrWrongKey, damage an *ObjectError
// wrapping ErrManifest; either comes before anything is restored.
func openManifest(raw []byte, id string, keys *crypto.Keyring) (Manifest, crypto.StreamKey, error) {
	m, f, err := parseManifest(raw, id)
	if err != nil {
		return Manifest{}, crypto.StreamKey{}, err
	}
	key, err := unwrapKey(keys, m)
	if err != nil {
		return Manifest{}, crypto.StreamKey{}, err
	}

	r, err := key.NewReader(bytes.NewReader(f.Sealed), manifestRef(id))
	if err != nil {
		return Manifest{}, crypto.StreamKey{}, manifestError(id, "sealed copy does not authenticate")
	}
	body, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(body, f.Manifest) {
		return Manifest{}, crypto.StreamKey{}, manifestError(id, "clear and sealed copies differ")
	}
	return m, key, nil
}

// unwrapKey unwraps the backup key from both wrapped copies. Only when
// both fail the key check is the root key wrong; anything else is damage.
func unwrapKey(keys *crypto.Keyring, m Manifest) (crypto.StreamKey, error) {
	if len(m.WrappedKeys) != 2 {
		return crypto.StreamKey{}, manifestError(m.ID, "wrapped keys missing")
	}
	key, err0 := keys.UnwrapBackupKey(m.WrappedKeys[0], m.ID)
	_, err1 := keys.UnwrapBackupKey(m.WrappedKeys[1], m.ID)
	switch {
	case err0 == nil && err1 == nil:
		return key, nil
	case errors.Is(err0, crypto.ErrWrongKey) && errors.Is(err1, crypto.ErrWrongKey):
		return crypto.StreamKey{}, err0
	}
	return crypto.StreamKey{}, manifestError(m.ID, "wrapped key does not authenticate")
}

func compact(b []byte) []byte {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return b
	}
	return out.Bytes()
}

func manifestError(id, what string) error {
	return &ObjectError{Backup: id, Name: manifestName, Err: fmt.Errorf("%w: %s", ErrManifest, what)}
}
