package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/store"
)

func (a *app) lsCommand() *cobra.Command {
	var callID string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls [--call ID] [--json]",
		Short: "List the stored records with their call, size, dates and hold",
		Long: `ls lists the stored records, oldest first, one a line: id, kind, call, size
in bytes, created and expires (UTC), and whether the call is under legal hold.
A header line comes first; when there are no records nothing is printed on
stdout. Expiry is created plus the retention period in force
(DATA_RETENTION_DAYS), so it moves when that changes.

--json prints JSON Lines instead: one JSON object a line, no header, with the
fields id, kind, call_id, content_type, size, created_at, expires_at, held
(times in RFC 3339).

ls reads no content and leaves no audit event.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE),
DATA_RETENTION_DAYS.

  avrdata ls --call 4f1c2a9e-0b7d-4e43-9a51-d2f0c1b8e7aa
  avrdata ls --json | jq -r 'select(.kind == "recording") | .id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.ls(cmd.Context(), callID, asJSON)
		},
	}
	cmd.Flags().StringVar(&callID, "call", "", "list only the records of call ID")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON Lines, one object a record")
	return cmd
}

// ls prints the records of callID (all when empty).
func (a *app) ls(ctx context.Context, callID string, asJSON bool) error {
	if callID != "" {
		if err := store.ValidateCallID(callID); err != nil {
			return fmt.Errorf("--call: %w", err)
		}
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	out := bufio.NewWriter(a.stdout)
	printRecord := textPrinter(out)
	if asJSON {
		printRecord = jsonPrinter(out)
	}
	err = s.List(ctx, store.ListOptions{CallID: callID}, printRecord)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	return err
}

// recordLine is the fixed-width line of ls. Ids and call UUIDs are 36
// characters; a longer call id shifts the columns after it on its line.
const recordLine = "%-36s  %-10s  %-36s  %12v  %-20s  %-20s  %s\n"

// textPrinter returns a function that prints a record a line, after a
// header line before the first record.
func textPrinter(w io.Writer) func(store.Record) error {
	header := false
	return func(r store.Record) error {
		if !header {
			header = true
			fmt.Fprintf(w, recordLine, "ID", "KIND", "CALL", "SIZE", "CREATED", "EXPIRES", "HELD")
		}
		held := "no"
		if r.Held {
			held = "yes"
		}
		_, err := fmt.Fprintf(w, recordLine, r.ID, r.Kind, r.CallID, r.Size,
			r.CreatedAt.Format(time.RFC3339), r.ExpiresAt.Format(time.RFC3339), held)
		return err
	}
}

// recordJSON is a record as ls --json prints it.
type recordJSON struct {
	ID          string     `json:"id"`
	Kind        store.Kind `json:"kind"`
	CallID      string     `json:"call_id"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	Held        bool       `json:"held"`
}

// jsonPrinter returns a function that prints a record as one JSON line.
func jsonPrinter(w io.Writer) func(store.Record) error {
	enc := json.NewEncoder(w)
	return func(r store.Record) error {
		return enc.Encode(recordJSON{
			ID: r.ID, Kind: r.Kind, CallID: r.CallID, ContentType: r.ContentType,
			Size: r.Size, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, Held: r.Held,
		})
	}
}
