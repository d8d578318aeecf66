package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

func (a *app) getCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "get recording|transcript ID [-o FILE]",
		Short: "Decrypt a recording or transcript to stdout or a file",
		Long: `get decrypts a stored record, checking every byte, and writes it to stdout or
to FILE. Each read is an audit event.

  avrdata get recording 1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b -o call.wav`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return usageErrorf(`get: say what to read: "get recording ID" or "get transcript ID"`)
		},
	}
	cmd.AddCommand(a.getKindCommand(store.KindRecording), a.getKindCommand(store.KindTranscript))
	return cmd
}

func (a *app) getKindCommand(kind store.Kind) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   string(kind) + " ID [-o FILE]",
		Short: "Decrypt a " + string(kind) + " to stdout or FILE",
		Long:  strings.ReplaceAll(getKindLong, "KIND", string(kind)) + exampleExt[kind],
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.get(cmd.Context(), kind, args[0], output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}

const getKindLong = `get KIND decrypts the KIND with id ID, as "avrdata put" printed it
and "avrdata ls" lists it, and writes it to stdout, or to FILE with -o.

With -o, the content goes to a temporary file beside FILE (mode 0600) that
replaces FILE only once the whole record decrypted and is on disk: a record
that fails its integrity check leaves FILE as it was. When FILE is not a
regular file (a pipe, /dev/null) it is written to directly.

On stdout the content is streamed: when a check fails part-way, the bytes
written so far must be discarded, and the error says how many there were.
Exit status 1 when the record does not exist or fails its integrity check.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE).

  avrdata get KIND 1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b -o out`

var exampleExt = map[store.Kind]string{
	store.KindRecording:  ".wav",
	store.KindTranscript: ".txt",
}

// get decrypts record id, of kind, to output or stdout.
func (a *app) get(ctx context.Context, kind store.Kind, id, output string) error {
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	rc, err := openKind(ctx, s, kind, id)
	if err != nil {
		return hintDamaged(err)
	}
	defer rc.Close()

	if output == "" {
		return hintDamaged(copyStream(a.stdout, "stdout", rc))
	}
	return hintDamaged(writeOutput(output, rc))
}

// openKind opens record id for reading after checking that it is of kind:
// a record of the other kind is not found, with a hint naming its kind.
func openKind(ctx context.Context, s *store.Store, kind store.Kind,
	id string) (io.ReadCloser, error) {
	rec, err := s.Get(ctx, id)
	if err != nil {
		return nil, hintNotFound(fmt.Errorf("get %s: %w", kind, err),
			`"avrdata ls" lists the records and their ids`)
	}
	if rec.Kind != kind {
		err := fmt.Errorf("get %s %s: %w: it is a %s", kind, id, store.ErrNotFound, rec.Kind)
		return nil, withHint(err,
			fmt.Sprintf("run \"avrdata get %s %s\"", rec.Kind, id))
	}

	rc, _, err := s.Open(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", kind, err)
	}
	return rc, nil
}

// copyBufferSize matches the store's chunks, so each read and write moves
// a whole chunk.
const copyBufferSize = store.ChunkSize

// copyStream copies src to dst, named where in errors. When src fails after
// some bytes went out, the error says how many: they are incomplete and
// must be discarded.
func copyStream(dst io.Writer, where string, src io.Reader) error {
	n, err := copyAll(dst, src)
	if err == nil || n == 0 {
		return err
	}
	if errors.Is(err, crypto.ErrIntegrity) {
		return fmt.Errorf("%w (%d bytes were already written to %s: discard them)",
			err, n, where)
	}
	return fmt.Errorf("%w (%d bytes were written to %s before the failure: discard them)",
		err, n, where)
}

// copyAll copies src to dst a chunk at a time and returns the number of
// bytes written.
func copyAll(dst io.Writer, src io.Reader) (int64, error) {
	w := &countingWriter{w: dst}
	_, err := io.CopyBuffer(w, src, make([]byte, copyBufferSize))
	return w.n, err
}

// countingWriter counts the bytes written through it. It hides any
// ReadFrom of w, so that io.CopyBuffer uses the buffer it is given.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeOutput writes src to path: straight into it when it exists and is
// not a regular file (a pipe, a device), otherwise through a temporary file
// that replaces it once src was read to the end.
func writeOutput(path string, src io.Reader) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return replaceFile(path, src)
	case err != nil:
		return usageErrorf("-o %s: %v", path, osReason(err))
	case fi.IsDir():
		return usageErrorf("-o %s: is a directory; name a file", path)
	case !fi.Mode().IsRegular():
		return writeStraight(path, src)
	}

	// Replace the file a symbolic link points to, not the link.
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	return replaceFile(path, src)
}

// writeStraight writes src into the existing non-regular file at path.
func writeStraight(path string, src io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return usageErrorf("-o %s: %v", path, osReason(err))
	}
	if err := copyStream(f, path, src); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replaceFile writes src to a new temporary file beside path, syncs it and
// renames it to path. On any failure the temporary file is removed and
// path is left as it was.
func replaceFile(path string, src io.Reader) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return usageErrorf("-o %s: cannot create a file in %s: %v", path, dir, osReason(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	if _, err = copyAll(tmp, src); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable where the file system supports it;
// the file is complete either way, so a failure is not reported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
