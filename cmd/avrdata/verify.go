package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

// progressInterval is how often long commands report progress on stderr.
const progressInterval = 5 * time.Second

func (a *app) verifyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Decrypt and check every stored record; exit 1 if any fails",
		Long: `verify decrypts every stored recording and transcript in full, and every
call's sealed metadata and hold reason, without writing them anywhere. It
prints a report on stdout: the counts, then one line for each record or
call that failed (kind, id, call, reason). It exits 1 when anything failed, 0 when all
verified. Progress goes to stderr every few seconds, as log lines.

A record fails when any of its stored bytes were changed, moved from another
record, or cut off. The pass leaves one audit event with the counts.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE),
LOG_LEVEL and LOG_FORMAT (the progress lines).

  avrdata verify || alert "avrdata: stored records failed verification"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.verify(cmd.Context())
		},
	}
}

func (a *app) verify(ctx context.Context) error {
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	p := a.newProgress("verifying records")
	rep, err := s.Verify(ctx, func(r store.VerifyReport) {
		p.report("records", r.Records, "bytes", r.Bytes, "failures", len(r.Failures))
	})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}

	if err := printVerifyReport(a.stdout, rep); err != nil {
		return err
	}
	if !rep.OK() {
		err := fmt.Errorf("verify: %s: see the report on stdout",
			plural(int64(len(rep.Failures)), "failure"))
		return withHint(err, "what failed cannot be read back as stored: "+
			"find out who changed the database, and restore it from a backup")
	}
	return nil
}

// printVerifyReport prints the counts and a line for each failure.
func printVerifyReport(w io.Writer, rep store.VerifyReport) error {
	fmt.Fprintf(w, "verified %s (%s) and %s: %d failed\n",
		plural(rep.Records, "record"), plural(rep.Bytes, "byte"),
		plural(rep.Calls, "call"), len(rep.Failures))
	if rep.OK() {
		return nil
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAILED\tID\tCALL\tREASON")
	for _, f := range rep.Failures {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Kind, f.ID, f.CallID, failureReason(f.Err))
	}
	return tw.Flush()
}

// hintDamaged adds advice to an integrity failure.
func hintDamaged(err error) error {
	if errors.Is(err, crypto.ErrIntegrity) {
		return withHint(err, `the stored data was changed or damaged; "avrdata verify" `+
			"lists every record that is, to restore from a backup")
	}
	return err
}

// failureReason is why a record failed, short: the integrity error names
// the record, which its line already does.
func failureReason(err error) string {
	if errors.Is(err, crypto.ErrIntegrity) {
		return "integrity check failed: data was modified, truncated or does not belong to it"
	}
	return err.Error()
}

// progress logs a line about long work at most every progressInterval.
type progress struct {
	a     *app
	what  string
	start time.Time
	last  time.Time
}

func (a *app) newProgress(what string) *progress {
	now := time.Now()
	return &progress{a: a, what: what, start: now, last: now}
}

// report logs attrs (key, value pairs) with the time elapsed, unless a
// line went out less than progressInterval ago.
func (p *progress) report(attrs ...any) {
	now := time.Now()
	if now.Sub(p.last) < progressInterval {
		return
	}
	p.last = now
	attrs = append(attrs, "elapsed", now.Sub(p.start).Round(time.Second).String())
	p.a.logger().Info(p.what, attrs...)
}
