package backup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

// RestoreOptions configure Restore.
type RestoreOptions struct {
	// Backup is the id to restore; empty or Latest for the newest
	// complete backup.
	Backup string

	// Root is ENCRYPTION_KEY as it was when the backup was made.
	Root crypto.RootKey

	// Target is the database to restore into. It must be empty (no
	// tables, or only the store's tables without rows) unless Force.
	Target *pgxpool.Pool

	// Force replaces the store's tables in a target that has some: every
	// row in them is lost.
	Force bool

	// Verify decrypts every restored record and call through the store
	// after the restore, and reports those that fail.
	Verify bool

	// RetentionDays is the retention period in force at restore time:
	// records already past it are left out. Zero means the backup's.
	RetentionDays int

	// Now is the time expiry is judged at; zero means time.Now().
	Now time.Time

	// Actor names who restores, in audit events.
	Actor string

	// Progress, when set, is called as the restore goes, from the calling
	// goroutine, at most a few times a second.
	Progress func(Progress)
}

// Report is what Restore did and found. Restored counts are those of the
// manifest less what was left out.
type Report struct {
	Backup        string        `json:"backup_id"`
	Created       time.Time     `json:"backup_created_at"`
	SchemaVersion int64         `json:"schema_version"`
	Database      string        `json:"database,omitempty"` // the drill's scratch database
	Tables        []TableReport `json:"tables"`
	Objects       int           `json:"objects"` // objects read and checked
	Bytes         int64         `json:"bytes"`   // stored bytes read

	ExpiredRecords int64 `json:"expired_records"` // past retention at restore time
	ExpiredCalls   int64 `json:"expired_calls"`   // old calls left without records
	ErasedCalls    int64 `json:"erased_calls"`    // erased after the backup (tombstones)
	ErasedRecords  int64 `json:"erased_records"`
	Tombstones     int   `json:"tombstones"` // tombstones newer than the backup

	Verified *Verified     `json:"verified,omitempty"` // with Verify
	Failures []Failure     `json:"failures"`
	Duration time.Duration `json:"-"`

	started time.Time
}

// OK reports whether the restore succeeded and everything verified.
func (r Report) OK() bool { return len(r.Failures) == 0 }

// Verified counts what the store decrypted after the restore.
type Verified struct {
	Records int64 `json:"records"`
	Bytes   int64 `json:"bytes"` // plaintext
	Calls   int64 `json:"calls"` // call metadata and hold reasons
}

// TableReport counts the rows of one table.
type TableReport struct {
	Name    string `json:"name"`
	Rows    int64  `json:"rows"`    // in the manifest, checked while loading
	Skipped int64  `json:"skipped"` // left out: expired or erased
}

// Failure names one thing that did not restore or verify.
type Failure struct {
	Kind  string `json:"kind"` // object, table, recording, transcript, call, hold, restore
	Name  string `json:"name"`
	Error string `json:"error"`
}

// Restore loads a backup from dest into opts.Target and brings it to the
// current schema. It reads and authenticates the manifest first: a wrong
// root key returns a *crypto.KeyError wrapping crypto.ErrWrongKey, and a
// damaged manifest an *ObjectError, before the target is touched.
//
// Every object is checked against the manifest's size and SHA-256 and
// decrypted as it streams into PostgreSQL (binary COPY), in one
// transaction: a missing or damaged object (an *ObjectError naming it) or
// a row count that differs (ErrRowCount) leaves no row behind. Records
// already past retention are left out, calls erased after the backup
// (tombstones) are erased again, and both are counted in the report.
// With opts.Verify, ErrVerify is returned when a restored record does not
// decrypt; the report names each one. An audit event "restore" is written
// into the target.
func Restore(ctx context.Context, dest Destination, opts RestoreOptions) (Report, error) {
	rep := Report{started: time.Now()}
	err := restore(ctx, dest, opts, &rep)
	rep.Duration = time.Since(rep.started)
	if err != nil && !errors.Is(err, ErrVerify) {
		rep.Failures = append(rep.Failures, failureOf(err))
	}
	return rep, err
}

func restore(ctx context.Context, dest Destination, opts RestoreOptions, rep *Report) error {
	m, key, err := openBackup(ctx, dest, opts.Backup, opts.Root)
	if err != nil {
		return err
	}
	rep.Backup, rep.Created, rep.SchemaVersion = m.ID, m.Created, m.SchemaVersion

	if err := checkSchema(ctx, opts.Target, m); err != nil {
		return err
	}
	if err := prepareTarget(ctx, opts.Target, m.SchemaVersion, opts.Force); err != nil {
		return err
	}
	if err := load(ctx, dest, key, m, opts, rep); err != nil {
		return err
	}
	if _, err := store.Migrate(ctx, opts.Target); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return finish(ctx, m, opts, rep)
}

// openBackup finds the backup and authenticates its manifest.
func openBackup(ctx context.Context, dest Destination, id string, root crypto.RootKey) (Manifest, crypto.StreamKey, error) {
	info, err := Find(ctx, dest, id)
	if err != nil {
		return Manifest{}, crypto.StreamKey{}, err
	}
	raw, err := readManifestFile(ctx, dest, info.ID)
	if err != nil {
		return Manifest{}, crypto.StreamKey{}, err
	}

	// The backup key is wrapped under a key derived from the root key
	// alone; the keysets in memory here are never used.
	keys, err := crypto.Open(ctx, root, &crypto.MemoryKeysetStore{})
	if err != nil {
		return Manifest{}, crypto.StreamKey{}, err
	}
	return openManifest(raw, info.ID, keys)
}

// checkSchema refuses a backup of a schema newer than this avrdata knows.
func checkSchema(ctx context.Context, target *pgxpool.Pool, m Manifest) error {
	_, latest, err := store.SchemaVersion(ctx, target)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if m.SchemaVersion > latest || m.SchemaVersion < 1 {
		return fmt.Errorf("backup %s: %w: schema version %d, this avrdata knows 1 to %d; "+
			"restore it with the avrdata that made it, or a newer one", m.ID, ErrFormat, m.SchemaVersion, latest)
	}
	return nil
}

// finish opens the restored store, verifies it when asked, and audits.
func finish(ctx context.Context, m Manifest, opts RestoreOptions, rep *Report) error {
	st, err := store.New(ctx, opts.Target, opts.Root, store.Options{
		RetentionDays: retentionDays(opts, m), Actor: opts.Actor})
	if err != nil {
		return fmt.Errorf("open restored store: %w", err)
	}

	if opts.Verify {
		err = verify(ctx, st, rep)
	}
	rep.Duration = time.Since(rep.started)
	if auditErr := audit(ctx, st, restoreEvent(*rep, err)); auditErr != nil && err == nil {
		err = fmt.Errorf("restore is complete, but not audited: %w", auditErr)
	}
	return err
}

// verify decrypts everything restored through the store.
func verify(ctx context.Context, st *store.Store, rep *Report) error {
	v, err := st.Verify(ctx, nil)
	rep.Verified = &Verified{Records: v.Records, Bytes: v.Bytes, Calls: v.Calls}
	if err != nil {
		return fmt.Errorf("verify restored data: %w", err)
	}
	for _, f := range v.Failures {
		rep.Failures = append(rep.Failures, Failure{Kind: f.Kind, Name: f.ID, Error: f.Err.Error()})
	}
	if !v.OK() {
		return fmt.Errorf("%w: %d records or calls", ErrVerify, len(v.Failures))
	}
	return nil
}

func retentionDays(opts RestoreOptions, m Manifest) int {
	if opts.RetentionDays > 0 {
		return opts.RetentionDays
	}
	return m.RetentionDays
}

// failureOf describes err as a Failure, naming the object when it is one.
func failureOf(err error) Failure {
	var oe *ObjectError
	if errors.As(err, &oe) {
		return Failure{Kind: "object", Name: oe.Name, Error: err.Error()}
	}
	var te *TableError
	if errors.As(err, &te) {
		return Failure{Kind: "table", Name: te.Table, Error: err.Error()}
	}
	return Failure{Kind: "restore", Error: err.Error()}
}

func restoreEvent(rep Report, err error) store.Event {
	return store.Event{Action: "restore", Outcome: outcome(err), Count: rep.restoredRecords(),
		Detail: map[string]any{
			"backup_id":       rep.Backup,
			"bytes":           rep.Bytes,
			"objects":         rep.Objects,
			"expired_records": rep.ExpiredRecords,
			"erased_calls":    rep.ErasedCalls,
			"verified":        rep.Verified != nil,
			"failures":        len(rep.Failures),
			"duration_ms":     rep.Duration.Milliseconds(),
		}}
}

// restoredRecords is the number of records in the restored store.
func (r Report) restoredRecords() int64 {
	for _, t := range r.Tables {
		if t.Name == "records" {
			return t.Rows - t.Skipped
		}
	}
	return 0
}
