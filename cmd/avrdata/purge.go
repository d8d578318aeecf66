package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/retention"
	"github.com/avrdata/avrdata/store"
)

// purgeFlags are the flags of purge.
type purgeFlags struct {
	dryRun bool
	days   int
	batch  int
}

func (a *app) purgeCommand() *cobra.Command {
	var f purgeFlags
	cmd := &cobra.Command{
		Use:   "purge [--dry-run]",
		Short: "Run one retention pass now: delete the records past retention",
		Long: `purge deletes now every record created more than DATA_RETENTION_DAYS ago,
with its encrypted content, and the calls it leaves without records. Records of
a call under legal hold are kept, however old. It works in batches of short
transactions, so puts and reads going on at the same time are not held up, and
it leaves one "purge" audit event with the counts.

purge runs whatever AUTO_DELETE says: AUTO_DELETE only decides whether the
daemon (avrdata serve) purges on its own, and running purge is an explicit
request. It prints what it removed on stdout.

--dry-run removes nothing: it prints on stdout the records a pass would remove
now, one a line after a header (id, kind, call, created, reason), and the
counts on stderr.

Interrupted (Ctrl-C, SIGTERM), purge finishes the batch it is deleting, says
what it did, and exits 1; run it again to finish.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE),
DATA_RETENTION_DAYS.

  avrdata purge --dry-run
  avrdata purge --retention-days 90`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("retention-days") {
				if err := a.overrideRetention(f.days); err != nil {
					return err
				}
			}
			if f.batch < 1 {
				return usageErrorf("--batch-size %d: want 1 or more records", f.batch)
			}
			return a.purge(cmd.Context(), f)
		},
	}
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "list what would be removed, remove nothing")
	cmd.Flags().IntVar(&f.days, "retention-days", 0,
		"retention period in days (default: $DATA_RETENTION_DAYS, else 30)")
	cmd.Flags().IntVar(&f.batch, "batch-size", retention.DefaultBatchSize,
		"records examined and deleted per transaction")
	return cmd
}

// overrideRetention makes days the retention period, as --retention-days
// asks, in place of DATA_RETENTION_DAYS.
func (a *app) overrideRetention(days int) error {
	if days < 1 || days > 36500 {
		return usageErrorf("--retention-days %d: want a whole number of days from 1 to 36500", days)
	}
	cfg := a.config()
	cfg.RetentionDays = days
	delete(cfg.problems, "DATA_RETENTION_DAYS") // the flag replaces it
	return nil
}

// purge runs one pass (or dry run) and prints what it did.
func (a *app) purge(ctx context.Context, f purgeFlags) error {
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	out := bufio.NewWriter(a.stdout)
	opts := retention.Options{BatchSize: f.batch, Logger: a.logger().With("component", "retention")}
	if f.dryRun {
		opts.OnPurge = verdictPrinter(out)
	}
	p := retention.NewPurger(s, retention.Days(a.config().RetentionDays), opts)

	var rep retention.Report
	if f.dryRun {
		rep, err = p.DryRun(ctx)
	} else {
		rep, err = p.Run(ctx)
	}
	if ferr := out.Flush(); err == nil && ferr != nil {
		return fmt.Errorf("write list: %w", ferr)
	}
	return a.printPurge(rep, a.config().RetentionDays, err)
}

// verdictLine is the fixed-width line of purge --dry-run, in the columns of
// ls: a call id longer than 36 characters shifts the rest of its line.
const verdictLine = "%-36s  %-10s  %-36s  %-20s  %s\n"

// verdictPrinter returns a function that prints a verdict a line, after a
// header line before the first one.
func verdictPrinter(w io.Writer) func(retention.Verdict) {
	header := false
	return func(v retention.Verdict) {
		if !header {
			header = true
			fmt.Fprintf(w, verdictLine, "ID", "KIND", "CALL", "CREATED", "REASON")
		}
		r := v.Record
		fmt.Fprintf(w, verdictLine, r.ID, r.Kind, r.CallID, r.CreatedAt.Format(time.RFC3339), v.Reason)
	}
}

// printPurge prints the summary of a pass: a real pass's on stdout (it is
// the command's result), a dry run's on stderr (its result is the list). A
// pass that stopped early says what it did before its error is returned.
func (a *app) printPurge(rep retention.Report, days int, err error) error {
	var partial *retention.PartialError
	if err != nil && !errors.As(err, &partial) {
		return fmt.Errorf("purge: %w", err)
	}

	w, line := a.stdout, purgeSummary(rep, days)
	if rep.DryRun {
		w = a.stderr
	}
	fmt.Fprintln(w, line)
	if partial != nil {
		return withHint(err, `run "avrdata purge" again to finish`)
	}
	return nil
}

// purgeSummary is one line with the counts of rep.
func purgeSummary(rep retention.Report, days int) string {
	verb, calls := "purged", fmt.Sprintf(" and %s", plural(rep.Calls, "call"))
	if rep.DryRun {
		verb, calls = "would purge", ""
	}
	line := fmt.Sprintf("%s %s%s created before %s (retention %s)",
		verb, deletionText(store.Deletion{Records: rep.Records, Bytes: rep.Bytes}), calls,
		rep.Cutoff.UTC().Format(time.RFC3339), plural(int64(days), "day"))
	if rep.Held > 0 {
		line += fmt.Sprintf("; kept %s under legal hold", plural(rep.Held, "expired record"))
	}
	if rep.DryRun {
		line += "; nothing was removed"
	}
	return line
}
