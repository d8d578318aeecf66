package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/backup/location"
)

const backupLong = `backup writes a consistent snapshot of the store, encrypted under a fresh
key, to the backup location, and prints the new backup's id on stdout. The
snapshot is one repeatable-read transaction: puts and purges may go on
meanwhile. Objects go under ID/ at the location, one or more per table, and
the manifest last: a run that fails or is killed leaves no manifest, is never
listed or restored, and "backup prune" removes what it wrote.

Restoring needs only the objects and ENCRYPTION_KEY. Keep the key: a backup
cannot be read without the key that was in force when it was made.

Progress goes to stderr. On a terminal it is a bar with the bytes, the rate
and the time left, redrawn in place; the total is an estimate, so the
percentage stops at 99% until the end. Elsewhere it is a log line every 10
seconds and one at the end.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE),
BACKUP_URL (s3://bucket/prefix or file:///path), the AWS SDK's variables for
S3 (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...,
and AWS_ENDPOINT_URL_S3 for S3-compatible servers, with path-style
addressing).

  avrdata backup --to s3://acme-backups/avrdata
  avrdata backup ls
  avrdata backup prune --dry-run`

// backupFlags are the flags of backup and its subcommands.
type backupFlags struct {
	to     string
	asJSON bool
	dryRun bool
}

func (a *app) backupCommand() *cobra.Command {
	var f backupFlags
	cmd := &cobra.Command{
		Use:   "backup [--to URL]",
		Short: "Write an encrypted backup and print its id",
		Long:  backupLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.backup(cmd.Context(), f.to)
		},
	}
	cmd.PersistentFlags().StringVar(&f.to, "to", "",
		"backup location, s3://bucket/prefix or file:///path (default: $BACKUP_URL)")
	cmd.AddCommand(a.backupListCommand(&f), a.backupPruneCommand(&f))
	return cmd
}

func (a *app) backup(ctx context.Context, to string) error {
	dest, err := a.backupDestination(ctx, "--to", to, storeVariables...)
	if err != nil {
		return err
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	report, end := a.transferMeter()
	res, err := backup.Backup(ctx, s, dest, backup.Options{Progress: report})
	end()
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, res.ID)
	fmt.Fprintf(a.stderr, "backup %s complete: %d records, %d objects, %s stored, %s\n",
		res.ID, res.Records(), len(res.Manifest.Objects()), byteSize(res.Manifest.Bytes),
		res.Duration.Round(time.Millisecond))
	return nil
}

// backupDestination opens the backup location given by flag (named
// flagName) or else BACKUP_URL, after validating it and the variables
// given. A missing location is a problem of BACKUP_URL: exit 2.
func (a *app) backupDestination(
	ctx context.Context,
	flagName, flag string,
	variables ...string,
) (backup.Destination, error) {
	cfg := a.config()
	raw := cfg.BackupURL
	if flag != "" {
		if _, err := location.Parse(flag); err != nil {
			return nil, usageErrorf("%s: %v", flagName, err)
		}
		raw = flag
	}
	switch _, err := location.Parse(raw); {
	case raw == "":
		cfg.addProblem("BACKUP_URL", "not set; set it to s3://bucket/prefix or "+
			"file:///path, or give "+flagName+" URL")
	case err != nil:
		cfg.addProblem("BACKUP_URL", err.Error())
	}

	vars := append([]string{"BACKUP_URL", "LOG_LEVEL", "LOG_FORMAT"}, variables...)
	if err := cfg.Validate(vars...); err != nil {
		return nil, err
	}
	return location.Open(ctx, raw)
}

func (a *app) backupListCommand(f *backupFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ls [--to URL] [--json]",
		Short: "List the complete backups, newest first",
		Long: `backup ls lists the complete backups at the backup location, newest first, one
a line: id, start time (UTC), stored size, records and calls. Runs that did not
finish (no manifest) are not backups and are not listed. --json prints one
JSON object a line instead.

The manifests are read but not authenticated, so no key is needed; restore
authenticates them.

Environment: BACKUP_URL and, for S3, the AWS SDK's variables.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.backupList(cmd.Context(), f.to, f.asJSON)
		},
	}
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print JSON Lines, one object a backup")
	return cmd
}

// backupJSON is a line of "backup ls --json".
type backupJSON struct {
	ID            string    `json:"id"`
	CreatedAt     time.Time `json:"created_at"`
	FinishedAt    time.Time `json:"finished_at,omitzero"`
	SchemaVersion int64     `json:"schema_version,omitempty"`
	Bytes         int64     `json:"bytes"`
	Records       int64     `json:"records"`
	Calls         int64     `json:"calls"`
	Problem       string    `json:"problem,omitempty"`
}

func (a *app) backupList(ctx context.Context, to string, asJSON bool) error {
	dest, err := a.backupDestination(ctx, "--to", to)
	if err != nil {
		return err
	}
	backups, err := backup.List(ctx, dest)
	if err != nil {
		return err
	}

	if asJSON {
		return printBackupsJSON(a.stdout, backups)
	}
	if len(backups) == 0 {
		fmt.Fprintf(a.stderr, "no complete backup at %s\n", dest)
		return nil
	}
	return printBackups(a.stdout, backups)
}

func infoJSON(b backup.Info) backupJSON {
	m := b.Manifest
	j := backupJSON{ID: b.ID, CreatedAt: b.Time, FinishedAt: m.Finished,
		SchemaVersion: m.SchemaVersion, Bytes: m.Bytes, Records: m.Rows("records"), Calls: m.Rows("calls")}
	if b.Problem != nil {
		j.Problem = b.Problem.Error()
	}
	return j
}

func printBackupsJSON(w io.Writer, backups []backup.Info) error {
	enc := json.NewEncoder(w)
	for _, b := range backups {
		if err := enc.Encode(infoJSON(b)); err != nil {
			return err
		}
	}
	return nil
}

func printBackups(w io.Writer, backups []backup.Info) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tSIZE\tRECORDS\tCALLS")
	for _, b := range backups {
		j := infoJSON(b)
		if j.Problem != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t\t\n", j.ID, j.CreatedAt.Format(time.DateTime), j.Problem)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", j.ID, j.CreatedAt.Format(time.DateTime),
			byteSize(j.Bytes), j.Records, j.Calls)
	}
	return tw.Flush()
}

// byteSize formats n bytes for people: "512 B", "3.2 MiB".
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
