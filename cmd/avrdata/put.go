package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

// putFlags are the flags of "put recording" and "put transcript".
type putFlags struct {
	call, createdAt, contentType string

	caller, callee, asteriskID, agent string // the call's metadata
}

func (a *app) putCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "put recording|transcript --call ID FILE|-",
		Short: "Encrypt and store a recording or transcript; print its id",
		Long: `put stores a call's recording (any size, streamed) or transcript (at most
16 MiB), encrypted, and prints the new record's id on stdout.

  avrdata put recording --call 4f1c2a9e-0b7d-4e43-9a51-d2f0c1b8e7aa \
      /var/spool/asterisk/monitor/4f1c2a9e-0b7d-4e43-9a51-d2f0c1b8e7aa.wav`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return usageErrorf(`put: say what to store: "put recording" or "put transcript"`)
		},
	}
	cmd.AddCommand(a.putKindCommand(store.KindRecording), a.putKindCommand(store.KindTranscript))
	return cmd
}

func (a *app) putKindCommand(kind store.Kind) *cobra.Command {
	var f putFlags
	cmd := &cobra.Command{
		Use:   string(kind) + " --call ID [flags] FILE|-",
		Short: "Encrypt and store a " + string(kind) + " of a call; print its id",
		Long:  putLong[kind],
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.put(cmd.Context(), kind, f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.call, "call", "",
		"the call's id: the AVR call UUID or Asterisk UNIQUEID (required)")
	fl.StringVar(&f.createdAt, "created-at", "",
		"when the call happened, RFC 3339 (default: now); expiry counts from it")
	fl.StringVar(&f.contentType, "content-type", "",
		"media type of the content (default: "+defaultContentType[kind]+")")
	fl.StringVar(&f.caller, "caller", "", `caller number; stored sealed, used by "erase --caller"`)
	fl.StringVar(&f.callee, "callee", "", "dialled number or extension; stored sealed")
	fl.StringVar(&f.asteriskID, "asterisk-id", "", "Asterisk UNIQUEID of the call; stored sealed")
	fl.StringVar(&f.agent, "agent", "", "id of the agent that answered; stored sealed")
	return cmd
}

var defaultContentType = map[store.Kind]string{
	store.KindRecording:  "audio/wav",
	store.KindTranscript: "text/plain",
}

var putLong = map[store.Kind]string{
	store.KindRecording: `put recording encrypts FILE (or stdin for "-") as it reads it, stores it
as a recording of the call, and prints the new record's id, and nothing else,
on stdout. Memory use does not depend on the recording's size. The record exists
only once all of it is stored: an interrupted put leaves nothing behind.

--caller, --callee, --asterisk-id and --agent set the call's metadata, sealed
(those not given keep the value an earlier put gave); the caller number is
what "avrdata erase --caller" finds the call by.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE),
DATA_RETENTION_DAYS (expiry is --created-at plus this many days).

  id=$(avrdata put recording --call "$UUID" --caller "$CALLERID" \
      /var/spool/asterisk/monitor/"$UUID".wav)
  sox in.wav -t wav - |
      avrdata put recording --call "$UUID" --created-at 2024-05-01T14:03:00Z -`,

	store.KindTranscript: `put transcript encrypts FILE (or stdin for "-"), at most 16 MiB, stores
it as a transcript of the call, and prints the new record's id, and nothing
else, on stdout.

--caller, --callee, --asterisk-id and --agent set the call's metadata, sealed
(those not given keep the value an earlier put gave); the caller number is
what "avrdata erase --caller" finds the call by.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE),
DATA_RETENTION_DAYS (expiry is --created-at plus this many days).

  avrdata put transcript --call "$UUID" --content-type application/json transcript.json`,
}

// put checks the command line, then stores the input and prints its id.
func (a *app) put(ctx context.Context, kind store.Kind, f putFlags, path string) error {
	opts, err := f.options()
	if err != nil {
		return err
	}
	in, err := a.openInput(path)
	if err != nil {
		return err
	}
	defer in.Close()

	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	if opts.Call, err = mergeCallInfo(ctx, s, f.call, opts.Call); err != nil {
		return err
	}
	putFunc := s.PutRecording
	if kind == store.KindTranscript {
		putFunc = s.PutTranscript
	}
	rec, err := putFunc(ctx, f.call, in, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, rec.ID)
	return nil
}

// options checks the flags and returns the store's options for them.
func (f putFlags) options() (store.PutOptions, error) {
	if f.call == "" {
		return store.PutOptions{}, usageErrorf("--call is required: the call the record belongs to")
	}
	if err := store.ValidateCallID(f.call); err != nil {
		return store.PutOptions{}, fmt.Errorf("--call: %w", err)
	}

	opts := store.PutOptions{ContentType: f.contentType}
	if f.createdAt != "" {
		t, err := time.Parse(time.RFC3339, f.createdAt)
		if err != nil {
			return opts, usageErrorf("--created-at %q: want an RFC 3339 time "+
				"such as 2024-05-01T14:03:00Z", f.createdAt)
		}
		opts.CreatedAt = t
	}

	info := store.CallInfo{Caller: f.caller, Callee: f.callee,
		UniqueID: f.asteriskID, AgentID: f.agent}
	if info != (store.CallInfo{}) {
		opts.Call = &info
	}
	if f.caller != "" {
		if _, err := crypto.NormalizeNumber(f.caller); err != nil {
			return opts, fmt.Errorf("--caller: %w", err)
		}
	}
	return opts, nil
}

// mergeCallInfo returns the call's stored metadata with the fields of
// given that are set, so that a later put with only --agent keeps the
// caller an earlier put gave. It returns nil when given is nil.
func mergeCallInfo(ctx context.Context, s *store.Store, callID string,
	given *store.CallInfo) (*store.CallInfo, error) {
	if given == nil {
		return nil, nil
	}
	info, err := s.CallInfo(ctx, callID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}

	info.Caller = cmp.Or(given.Caller, info.Caller)
	info.Callee = cmp.Or(given.Callee, info.Callee)
	info.UniqueID = cmp.Or(given.UniqueID, info.UniqueID)
	info.AgentID = cmp.Or(given.AgentID, info.AgentID)
	return &info, nil
}

// openInput opens the file to store, or stdin for "-". A file that cannot
// be read is a usage error that names it and the system's reason.
func (a *app) openInput(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(a.stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErrorf("cannot read %s: %v", path, osReason(err))
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		err = errors.New("is a directory")
	}
	if err != nil {
		f.Close()
		return nil, usageErrorf("cannot read %s: %v", path, osReason(err))
	}
	return f, nil
}

// osReason is what the system said about a path, without the path that a
// *fs.PathError repeats.
func osReason(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}
