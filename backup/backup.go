package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

// Options configure Backup.
type Options struct {
	// PartLimit is the most bytes of a table, before encryption, that one
	// object holds; zero means DefaultPartLimit.
	PartLimit int64

	// Progress, when set, is called as the backup goes, from the calling
	// goroutine, at most a few times a second.
	Progress func(Progress)
}

// Result is what a backup stored.
type Result struct {
	ID         string
	Manifest   Manifest // of the complete backup; partial when Backup failed
	Tombstones int      // tombstones newly written beside the backups
	Duration   time.Duration
}

// Records returns the number of records (recordings and transcripts) in
// the backup.
func (r Result) Records() int64 { return r.Manifest.Rows("records") }

// Backup writes a consistent snapshot of st to dest as a new backup and
// returns its id in Result. Every table is read in one repeatable-read
// transaction and streamed, encrypted under a fresh backup key, into
// objects under "ID/"; the manifest is written last. Memory use does not
// grow with the size of the data.
//
// When Backup fails or its process dies, no manifest is written: the run
// is never listed or restored, and Prune removes what it stored. It
// leaves a "backup" audit event in st either way.
func Backup(ctx context.Context, st *store.Store, dest Destination, opts Options) (Result, error) {
	start := time.Now()
	res := Result{ID: newID(start)}
	err := runBackup(ctx, st, dest, &res, opts)
	res.Duration = time.Since(start)

	auditErr := audit(ctx, st, backupEvent(res, err))
	if err != nil {
		return res, fmt.Errorf("backup %s: %w", res.ID, err)
	}
	if auditErr != nil {
		return res, fmt.Errorf("backup %s is complete, but not audited: %w", res.ID, auditErr)
	}
	return res, nil
}

func runBackup(ctx context.Context, st *store.Store, dest Destination, res *Result, opts Options) error {
	m, key, err := newManifest(ctx, st, res.ID)
	if err != nil {
		return err
	}
	res.Manifest = m

	if err := snapshot(ctx, st, dest, key, &res.Manifest, opts); err != nil {
		return err
	}
	if res.Tombstones, err = WriteTombstones(ctx, dest, st); err != nil {
		return err
	}
	if err := checkObjects(ctx, dest, res.Manifest); err != nil {
		return err
	}
	return writeManifest(ctx, dest, st.Keys(), key, &res.Manifest)
}

// newManifest starts the manifest of backup id and makes its key.
func newManifest(ctx context.Context, st *store.Store, id string) (Manifest, crypto.StreamKey, error) {
	current, latest, err := store.SchemaVersion(ctx, st.Pool())
	if err != nil {
		return Manifest{}, crypto.StreamKey{}, err
	}
	if current != latest {
		return Manifest{}, crypto.StreamKey{}, fmt.Errorf("%w: at version %d, want %d",
			store.ErrNotMigrated, current, latest)
	}

	key, err := crypto.NewStreamKey()
	created, _ := idTime(id)
	return Manifest{
		Format:        FormatVersion,
		ID:            id,
		SchemaVersion: current,
		Created:       created,
		RetentionDays: int(st.Retention() / (24 * time.Hour)),
	}, key, err
}

// checkObjects makes sure every object of m is still stored: a prune that
// took this run for a crashed one must not leave a manifest that lists
// deleted objects.
func checkObjects(ctx context.Context, dest Destination, m Manifest) error {
	stored, err := dest.List(ctx, m.ID+"/")
	if err != nil {
		return fmt.Errorf("list %s: %w", dest, err)
	}
	sizes := make(map[string]int64, len(stored))
	for _, o := range stored {
		sizes[o.Name] = o.Size
	}
	for _, o := range m.Objects() {
		if size, ok := sizes[objectPath(m.ID, o.Name)]; !ok || size != o.Size {
			return fmt.Errorf("%w: %s", ErrVanished, o.Name)
		}
	}
	return nil
}

// writeManifest completes the backup: it wraps the key twice, seals the
// manifest and stores it.
func writeManifest(
	ctx context.Context,
	dest Destination,
	keys *crypto.Keyring,
	key crypto.StreamKey,
	m *Manifest,
) error {
	m.Finished = time.Now().UTC()
	m.WrappedKeys = nil
	for range 2 {
		wrapped, err := keys.WrapBackupKey(key, m.ID)
		if err != nil {
			return err
		}
		m.WrappedKeys = append(m.WrappedKeys, wrapped)
	}

	raw, err := sealManifest(*m, key)
	if err != nil {
		return err
	}
	if err := dest.Put(ctx, objectPath(m.ID, manifestName), bytes.NewReader(raw)); err != nil {
		return fmt.Errorf("store manifest: %w", err)
	}
	return nil
}

func backupEvent(res Result, err error) store.Event {
	e := store.Event{Action: "backup", Outcome: outcome(err), Count: res.Records(),
		Detail: map[string]any{
			"backup_id":   res.ID,
			"objects":     len(res.Manifest.Objects()),
			"bytes":       res.Manifest.Bytes,
			"data_bytes":  res.Manifest.DataBytes,
			"tombstones":  res.Tombstones,
			"duration_ms": res.Duration.Milliseconds(),
		}}
	if errors.Is(err, context.Canceled) {
		e.Outcome = "cancelled"
	}
	return e
}
