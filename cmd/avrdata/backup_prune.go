package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/backup"
)

func (a *app) backupPruneCommand(f *backupFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prune [--to URL] [--dry-run]",
		Short: "Remove backups past BACKUP_RETENTION_DAYS and what failed runs left",
		Long: `backup prune removes the complete backups older than BACKUP_RETENTION_DAYS
(default: $DATA_RETENTION_DAYS), since they hold data past retention, but
always keeps the newest complete backup. It also removes what failed or killed
runs left (objects without a manifest) once they stopped writing for an hour
or a later backup completed. On S3 it aborts the unfinished multipart uploads
of the runs it removes, and those left under complete backups for an hour. A
backup loses its manifest first, so an interrupted prune never leaves a
backup that looks complete and is not.

It prints one line per run: keep or remove, the id, the start time, the size
and why, and one per unfinished upload it aborts. With --dry-run it only
prints. The daemon prunes after each backup.

Environment: BACKUP_URL, BACKUP_RETENTION_DAYS, DATA_RETENTION_DAYS, and
DATABASE_URL with ENCRYPTION_KEY (for the audit event; not with --dry-run).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.backupPrune(cmd.Context(), f.to, f.dryRun)
		},
	}
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "print what would be removed, remove nothing")
	return cmd
}

func (a *app) backupPrune(ctx context.Context, to string, dryRun bool) error {
	days := a.config().BackupRetentionDays
	vars := []string{"BACKUP_RETENTION_DAYS", "DATA_RETENTION_DAYS"}
	if !dryRun {
		vars = append(vars, storeVariables...)
	}
	dest, err := a.backupDestination(ctx, "--to", to, vars...)
	if err != nil {
		return err
	}

	opts := backup.PruneOptions{Retention: time.Duration(days) * 24 * time.Hour, DryRun: dryRun}
	if !dryRun {
		s, err := a.openStore(ctx)
		if err != nil {
			return err
		}
		defer s.Close()
		opts.Audit = s
	}
	res, err := backup.Prune(ctx, dest, opts)
	if res.UploadsUnlisted != nil {
		a.logger().Warn("incomplete runs kept: unfinished uploads could not be listed "+
			"(the credentials need s3:ListBucketMultipartUploads and s3:ListMultipartUploadParts)",
			"err", res.UploadsUnlisted)
	}
	printDecisions(a.stdout, res)
	if err == nil && !dryRun {
		printPruned(a.stderr, res)
	}
	return err
}

func printPruned(w io.Writer, res backup.PruneResult) {
	fmt.Fprintf(w, "removed %d backups and %d incomplete runs: %d objects, ",
		res.Backups, res.Debris, res.Objects)
	if res.Uploads > 0 {
		fmt.Fprintf(w, "%d unfinished uploads aborted, ", res.Uploads)
	}
	fmt.Fprintf(w, "%s\n", byteSize(res.Bytes))
}

func printDecisions(w io.Writer, res backup.PruneResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, d := range res.Decisions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", pruneAction(d.Remove, "remove", res.DryRun),
			d.ID, d.Time.Format(time.DateTime), byteSize(d.Bytes), d.Reason)
		for _, u := range d.Abort {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tunfinished upload, last written %s\n",
				pruneAction(true, "abort", res.DryRun), u.Name,
				u.Started.UTC().Format(time.DateTime), byteSize(u.Size),
				u.LastWrite.UTC().Format(time.DateTime))
		}
	}
	tw.Flush()
}

// pruneAction names what prune does to a run or an upload: verb, "would
// verb" in a dry run, or "keep".
func pruneAction(act bool, verb string, dryRun bool) string {
	switch {
	case !act:
		return "keep"
	case dryRun:
		return "would " + verb
	}
	return verb
}
