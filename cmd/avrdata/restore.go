package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

const restoreLong = `restore loads a backup from the backup location into PostgreSQL and checks
it. Every object is checked against the manifest (size and SHA-256) and
decrypted as it loads, and every table's row count against the manifest, all
in one transaction: a damaged or missing object leaves nothing behind.

Without --target-database-url it is a restore drill: it creates a scratch
database avrdata_drill_<oid>_<random> beside the live one (the role of
DATABASE_URL needs CREATEDB), restores into it, and drops it; the live data
is untouched. It first drops the scratch databases that earlier drills of
the same live database left when they were killed.
With --target-database-url it restores into that database, which must be
empty (no tables, or only avrdata's without rows) unless --force.

Records already past retention (DATA_RETENTION_DAYS, or the backup's when it is
unset) are left out, and calls erased after the backup (tombstones kept beside
the backups) are erased again; the report counts both. --verify then decrypts
every restored record and call through the store.

The report goes to stdout (JSON with --json). Progress goes to stderr: a bar
with the bytes, the rate and the time left on a terminal, else a log line
every 10 seconds and one at the end. Exit status: 0 when everything restored
and checked; 1 when anything failed, naming the object, table or record; 2
for bad usage or configuration, and for a wrong ENCRYPTION_KEY, which is
found before anything is written.

A backup made before "avrdata keys rotate-root" needs the key in use until
then as ENCRYPTION_KEY_PREVIOUS (or ENCRYPTION_KEY_PREVIOUS_FILE): restore
opens the backup with it and re-seals the restored keys under ENCRYPTION_KEY,
so the restored store opens with the current key.

Environment: BACKUP_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE),
ENCRYPTION_KEY_PREVIOUS (optional), DATA_RETENTION_DAYS, DATABASE_URL (for a
drill), and for S3 the AWS SDK's variables. A password in
--target-database-url shows in the process list: prefer PGPASSWORD or
~/.pgpass.

  avrdata restore --verify                          # drill the newest backup
  avrdata restore --backup 20260301T020000.000Z-1a2b3c4d \
      --target-database-url postgres://avrdata@db2/avrdata --verify`

// restoreFlags are the flags of restore.
type restoreFlags struct {
	from, backup, target  string
	verify, force, asJSON bool
}

func (a *app) restoreCommand() *cobra.Command {
	var f restoreFlags
	cmd := &cobra.Command{
		Use:   "restore [--from URL] [--backup ID|latest] [--verify] [--target-database-url URL] [--json]",
		Short: "Restore a backup into a database, or drill it into a scratch one",
		Long:  restoreLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.restore(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "backup location, s3://bucket/prefix or file:///path (default: $BACKUP_URL)")
	fl.StringVar(&f.backup, "backup", backup.Latest, `backup id, or "latest" for the newest complete backup`)
	fl.StringVar(&f.target, "target-database-url", "",
		"restore into this database instead of drilling into a scratch one")
	fl.BoolVar(&f.verify, "verify", false, "decrypt every restored record and call through the store")
	fl.BoolVar(&f.force, "force", false, "replace the avrdata tables of a non-empty target, losing their rows")
	fl.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	return cmd
}

func (a *app) restore(ctx context.Context, f restoreFlags) error {
	if f.force && f.target == "" {
		return usageErrorf("--force needs --target-database-url: a drill restores into a new database")
	}
	key, _ := a.rootKey("ENCRYPTION_KEY", true)
	previous, _ := a.rootKey("ENCRYPTION_KEY_PREVIOUS", false)
	vars := []string{"ENCRYPTION_KEY", "ENCRYPTION_KEY_PREVIOUS", "DATA_RETENTION_DAYS"}
	if f.target == "" {
		vars = append(vars, "DATABASE_URL")
	}
	dest, err := a.backupDestination(ctx, "--from", f.from, vars...)
	if err != nil {
		return err
	}

	report, end := a.transferMeter()
	opts := backup.RestoreOptions{Backup: f.backup, Root: key, Previous: previous,
		Verify: f.verify, Force: f.force, RetentionDays: a.restoreRetention(),
		Actor: a.actor(), Progress: report}
	var rep backup.Report
	if f.target != "" {
		rep, err = a.restoreInto(ctx, dest, f.target, opts)
	} else {
		rep, err = a.drill(ctx, dest, opts)
	}
	end()
	return a.finishRestore(rep, err, f.asJSON)
}

// restoreRetention is DATA_RETENTION_DAYS when set, else 0: the backup's
// own retention period then decides what has expired.
func (a *app) restoreRetention() int {
	if a.getenv("DATA_RETENTION_DAYS") == "" {
		return 0
	}
	return a.config().RetentionDays
}

func (a *app) restoreInto(
	ctx context.Context,
	dest backup.Destination,
	target string,
	opts backup.RestoreOptions,
) (backup.Report, error) {
	pool, err := store.Connect(ctx, target)
	if err != nil {
		return backup.Report{}, fmt.Errorf("--target-database-url: %w", err)
	}
	defer pool.Close()

	opts.Target = pool
	rep, err := backup.Restore(ctx, dest, opts)
	return rep, previousKeyHint(err, opts)
}

// drill restores into a scratch database on the server of DATABASE_URL,
// and audits the drill in the live store.
func (a *app) drill(ctx context.Context, dest backup.Destination, opts backup.RestoreOptions) (backup.Report, error) {
	live, err := a.openStore(ctx)
	if err != nil {
		return backup.Report{}, err
	}
	defer live.Close()

	rep, err := backup.Drill(ctx, dest, backup.DrillOptions{
		RestoreOptions: opts, Live: live.Pool(), Audit: live})
	return rep, previousKeyHint(err, opts)
}

// previousKeyHint points a backup that ENCRYPTION_KEY does not open to
// ENCRYPTION_KEY_PREVIOUS, when it is not set.
func previousKeyHint(err error, opts backup.RestoreOptions) error {
	if !errors.Is(err, crypto.ErrWrongKey) || opts.Previous != (crypto.RootKey{}) {
		return err
	}
	return withHint(err, `a backup made before "avrdata keys rotate-root" needs the key in use `+
		"until then as ENCRYPTION_KEY_PREVIOUS (or _FILE)")
}

// finishRestore prints the report (when there is one) and maps err to the
// exit status: a target that is not empty is bad usage.
func (a *app) finishRestore(rep backup.Report, err error, asJSON bool) error {
	if rep.Backup != "" || rep.Database != "" {
		if asJSON {
			printRestoreJSON(a.stdout, rep)
		} else {
			printRestore(a.stdout, rep)
		}
	}

	switch {
	case errors.Is(err, backup.ErrTargetNotEmpty):
		return &usageError{err: err}
	case errors.Is(err, backup.ErrNoBackup):
		return withHint(err, `run "avrdata backup" first, or check --from and BACKUP_URL`)
	case errors.Is(err, backup.ErrVerify):
		return withHint(err, "the report on stdout names every record or call that failed")
	}
	return err
}

// restoreJSON is the report of restore --json.
type restoreJSON struct {
	OK bool `json:"ok"`
	backup.Report
	Seconds float64 `json:"seconds"`
}

func printRestoreJSON(w io.Writer, rep backup.Report) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(restoreJSON{OK: rep.OK(), Report: rep, Seconds: rep.Duration.Seconds()})
}

func printRestore(w io.Writer, rep backup.Report) {
	if rep.Backup != "" {
		fmt.Fprintf(w, "backup %s (created %s, schema version %d)\n",
			rep.Backup, rep.Created.Format(time.DateTime), rep.SchemaVersion)
	}
	if rep.Database != "" {
		fmt.Fprintf(w, "drill database %s (dropped)\n", rep.Database)
	}
	for _, name := range rep.StaleDropped {
		fmt.Fprintf(w, "dropped %s, left by a drill that did not finish\n", name)
	}
	if rep.ResealedFromPrevious {
		fmt.Fprintln(w, "made under ENCRYPTION_KEY_PREVIOUS: keys re-sealed under ENCRYPTION_KEY")
	}
	for _, t := range rep.Tables {
		fmt.Fprintf(w, "  table %-14s %10d rows restored, %d left out\n", t.Name, t.Rows-t.Skipped, t.Skipped)
	}
	fmt.Fprintf(w, "objects checked: %d, %s\n", rep.Objects, byteSize(rep.Bytes))
	fmt.Fprintf(w, "left out: %d expired records, %d expired calls; "+
		"erased again: %d calls (%d records) from %d tombstones\n",
		rep.ExpiredRecords, rep.ExpiredCalls, rep.ErasedCalls, rep.ErasedRecords, rep.Tombstones)
	if v := rep.Verified; v != nil {
		fmt.Fprintf(w, "verified: %d records (%s), %d calls\n", v.Records, byteSize(v.Bytes), v.Calls)
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(w, "FAILED %s %s: %s\n", f.Kind, f.Name, f.Error)
	}
	status := "OK"
	if !rep.OK() {
		status = "FAILED"
	}
	fmt.Fprintf(w, "restore %s in %s\n", status, rep.Duration.Round(time.Millisecond))
}
