package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/backup/location"
	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

func (a *app) eraseCommand() *cobra.Command {
	var callID, caller string
	cmd := &cobra.Command{
		Use:   "erase --call ID | --caller NUMBER",
		Short: "Delete a call, or every call of a caller, now",
		Long: `erase deletes, now and for good, a call with all its recordings, transcripts
and metadata (--call), or every call whose caller number is NUMBER (--caller),
and prints what it erased as counts. The number may be written in any usual
way: "+39 06 1234 5678", "0039-06-1234-5678" and "(+39) 06.1234.5678" are the
same caller; a number in national form ("06 1234 5678") matches only calls
stored in national form. erase never prints, logs or stores the number.

Calls under legal hold are kept: erase then exits 1 and names them. Each
erased call leaves an audit event and a tombstone, so that a restore of an
older backup erases it again.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE).

  avrdata erase --call 4f1c2a9e-0b7d-4e43-9a51-d2f0c1b8e7aa
  avrdata erase --caller "+39 06 1234 5678"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.erase(cmd.Context(), callID, caller)
		},
	}
	cmd.Flags().StringVar(&callID, "call", "", "erase call ID")
	cmd.Flags().StringVar(&caller, "caller", "", "erase every call of caller NUMBER")
	return cmd
}

func (a *app) erase(ctx context.Context, callID, caller string) error {
	if err := checkEraseFlags(callID, caller); err != nil {
		return err
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	if callID != "" {
		e, err := s.EraseCall(ctx, callID)
		if err == nil {
			fmt.Fprintf(a.stdout, "erased call %s: %s\n", callID, deletionText(e.Deletion))
			a.writeTombstones(ctx, s)
		}
		return hintNotFound(err, notFoundCallHint)
	}
	e, err := s.EraseCaller(ctx, caller)
	a.printCallerErasure(e)
	if len(e.Erased) > 0 {
		a.writeTombstones(ctx, s)
	}
	if errors.Is(err, store.ErrHeld) {
		return withHint(err,
			`release a held call first ("avrdata release CALL") if its erasure is lawful`)
	}
	return err
}

// checkEraseFlags accepts exactly one of --call and --caller, well formed.
func checkEraseFlags(callID, caller string) error {
	switch {
	case callID == "" && caller == "":
		return usageErrorf("say what to erase: --call ID or --caller NUMBER")
	case callID != "" && caller != "":
		return usageErrorf("--call and --caller: give one of them, not both")
	case callID != "":
		return store.ValidateCallID(callID)
	}
	if _, err := crypto.NormalizeNumber(caller); err != nil {
		return fmt.Errorf("--caller: %w", err)
	}
	return nil
}

// printCallerErasure prints what an erasure by caller did: counts, and the
// ids of the calls it kept because they are held. Never the number.
func (a *app) printCallerErasure(e store.Erasure) {
	fmt.Fprintf(a.stdout, "erased %s of the caller: %s\n",
		plural(int64(len(e.Erased)), "call"), deletionText(e.Deletion))
	if len(e.Held) > 0 {
		fmt.Fprintf(a.stdout, "kept %s under legal hold: %s\n",
			plural(int64(len(e.Held)), "call"), strings.Join(e.Held, " "))
	}
}

// deletionText is what a deletion removed, in counts.
func deletionText(d store.Deletion) string {
	return fmt.Sprintf("%s, %s", plural(d.Records, "record"), plural(d.Bytes, "byte"))
}

// plural is n followed by word, with an s unless n is 1.
func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// writeTombstones puts new erasures beside the backups at once when
// BACKUP_URL is set, so that a restore of an older backup erases those
// calls again even before the next backup runs. A failure is only a
// warning: the erasure is done, and the next backup writes the tombstones.
func (a *app) writeTombstones(ctx context.Context, s *store.Store) {
	url := a.config().BackupURL
	if url == "" {
		return
	}
	dest, err := location.Open(ctx, url)
	if err == nil {
		_, err = backup.WriteTombstones(ctx, dest, s)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "warning: erasure not yet recorded beside the backups (%v); "+
			"the next backup records it\n", err)
	}
}
