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

	// Root is ENCRYPTION_KEY: the root key in force now, or the one the
	// backup was made with.
	Root crypto.RootKey

	// Previous is ENCRYPTION_KEY_PREVIOUS, the root key before a rotation
	// (store.RotateRoot); the zero value for none. A backup whose key Root
	// does not open is opened with it, and its restored keysets are then
	// re-sealed under Root.
	Previous crypto.RootKey

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

// Restore loads a backup from dest into opts.Target and brings it to the
// current schema. It reads and authenticates the manifest first: a root
// key that opens neither with opts.Root nor with opts.Previous returns
// the *crypto.KeyError of opts.Root, wrapping crypto.ErrWrongKey, and a
// damaged manifest an *ObjectError, before the target is touched. A backup
// made under opts.Previous has its restored keysets re-sealed under
// opts.Root (Report.ResealedFromPrevious), so the restored store opens with
// the current key.
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
	b, err := openBackup(ctx, dest, opts)
	if err != nil {
		return err
	}
	m := b.m
	rep.Backup, rep.Created, rep.SchemaVersion = m.ID, m.Created, m.SchemaVersion

	if err := checkSchema(ctx, opts.Target, m); err != nil {
		return err
	}
	if err := prepareTarget(ctx, opts.Target, m.SchemaVersion, opts.Force); err != nil {
		return err
	}
	if err := load(ctx, dest, b.key, m, opts, rep); err != nil {
		return err
	}
	if _, err := store.Migrate(ctx, opts.Target); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if b.previous {
		if err := resealRestored(ctx, opts); err != nil {
			return err
		}
		rep.ResealedFromPrevious = true
	}
	return finish(ctx, m, opts, rep)
}

// resealRestored re-seals the restored keysets from opts.Previous to
// opts.Root, and recomputes the callers' blind indexes.
func resealRestored(ctx context.Context, opts RestoreOptions) error {
	err := store.RotateRoot(ctx, opts.Target, opts.Previous, opts.Root, store.Options{Actor: opts.Actor})
	if err != nil {
		return fmt.Errorf("re-seal restored keys under ENCRYPTION_KEY: %w", err)
	}
	return nil
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
