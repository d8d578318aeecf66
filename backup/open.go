package backup

import (
	"context"
	"errors"

	"github.com/avrdata/avrdata/crypto"
)

// opened is a backup whose manifest authenticated: the manifest, the
// backup key, and whether the previous root key opened it.
type opened struct {
	m        Manifest
	key      crypto.StreamKey
	previous bool
}

// openBackup finds the backup opts name and authenticates its manifest
// with opts.Root, or, when that is the wrong key, with opts.Previous if
// set. When neither opens it, the error is opts.Root's.
func openBackup(ctx context.Context, dest Destination, opts RestoreOptions) (opened, error) {
	info, err := Find(ctx, dest, opts.Backup)
	if err != nil {
		return opened{}, err
	}
	raw, err := readManifestFile(ctx, dest, info.ID)
	if err != nil {
		return opened{}, err
	}

	m, key, err := openManifestWith(ctx, raw, info.ID, opts.Root)
	if !errors.Is(err, crypto.ErrWrongKey) || opts.Previous == (crypto.RootKey{}) {
		return opened{m: m, key: key}, err
	}
	m, key, prevErr := openManifestWith(ctx, raw, info.ID, opts.Previous)
	switch {
	case errors.Is(prevErr, crypto.ErrWrongKey):
		return opened{}, err
	case prevErr != nil:
		return opened{}, prevErr
	}
	return opened{m: m, key: key, previous: true}, nil
}

// openManifestWith authenticates the manifest file raw of backup id with
// root. The backup key is wrapped under a key derived from the root key
// alone; the keysets in memory here are never used.
func openManifestWith(
	ctx context.Context,
	raw []byte,
	id string,
	root crypto.RootKey,
) (Manifest, crypto.StreamKey, error) {
	keys, err := crypto.Open(ctx, root, &crypto.MemoryKeysetStore{})
	if err != nil {
		return Manifest{}, crypto.StreamKey{}, err
	}
	return openManifest(raw, id, keys)
}
