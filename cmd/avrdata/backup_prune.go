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
or a later backup completed. A backup loses its manifest first, so an
interrupted prune never leaves a backup that looks complete and is not.

It prints one line per run: keep or remove, the id, the start time, the size
and why. With --dry-run it only prints. The daemon prunes after each backup.

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
	printDecisions(a.stdout, res)
	if err == nil && !dryRun {
		fmt.Fprintf(a.stderr, "removed %d backups and %d incomplete runs: %d objects, %s\n",
			res.Backups, res.Debris, res.Objects, byteSize(res.Bytes))
	}
	return err
}

func printDecisions(w io.Writer, res backup.PruneResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, d := range res.Decisions {
		action := "keep"
		if d.Remove && res.DryRun {
			action = "would remove"
		} else if d.Remove {
			action = "remove"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", action, d.ID, d.Time.Format(time.DateTime),
			byteSize(d.Bytes), d.Reason)
	}
	tw.Flush()
}
