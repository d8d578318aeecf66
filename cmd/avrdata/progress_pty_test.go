//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/avrdata/avrdata/backup"
)

// openTerminal opens a pseudo-terminal cols columns wide. It returns the
// terminal, to be a command's stderr, and a function that closes it and
// returns all that was written to it, with the terminal's "\r\n" for
// each newline turned back into "\n".
func openTerminal(t *testing.T, cols int) (*os.File, func() string) {
	t.Helper()

	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pseudo-terminal number: %v", err)
	}

	term, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	size := &unix.Winsize{Row: 24, Col: uint16(cols)}
	if err := unix.IoctlSetWinsize(int(term.Fd()), unix.TIOCSWINSZ, size); err != nil {
		t.Fatalf("set terminal size: %v", err)
	}

	// Reading the master ends with EIO once the terminal is closed.
	var out bytes.Buffer
	read := make(chan struct{})
	go func() {
		io.Copy(&out, master)
		close(read)
	}()
	return term, func() string {
		term.Close()
		<-read
		return strings.ReplaceAll(out.String(), "\r\n", "\n")
	}
}

// TestProgressOnTerminal runs a backup and a restore drill with stderr on
// a terminal: a bar redrawn in place, a final line, and no line that wraps.
func TestProgressOnTerminal(t *testing.T) {
	env := withEnv(storeEnv(t), "BACKUP_URL", "file://"+t.TempDir())
	putFile(t, env, "recording", "call-1", randomBytes(3*mib))

	const cols = 120
	id := ""
	for _, args := range [][]string{{"backup"}, {"restore", "--verify"}} {
		op := args[0]
		term, output := openTerminal(t, cols)
		code, stdout := runStderr(env, term, args...)
		out := output()
		if code != exitOK {
			t.Fatalf("avrdata %s: got exit %d, stdout %q, stderr %q; want exit 0", op, code, stdout, out)
		}
		if op == "backup" {
			id = strings.TrimSpace(stdout)
		}

		checkRedrawn(t, op, out, cols)
		checkMidway(t, op, out)
		checkFinal(t, op, id, out)
	}
}

// checkRedrawn checks that out redraws op's line in place, more than once,
// and that no line is wider than the terminal's cols-1 columns.
func checkRedrawn(t *testing.T, op, out string, cols int) {
	t.Helper()

	if n := strings.Count(out, "\r"); n < 2 {
		t.Errorf("%s: got %d redraws in %q, want at least 2", op, n, out)
	}
	for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if n := utf8.RuneCountInString(line); n > cols-1 {
			t.Errorf("%s: got a line of %d runes %q, want at most %d", op, n, line, cols-1)
		}
	}
}

// estimate is how a total is marked, by operation: a backup's is an
// estimate.
var estimate = map[string]string{"backup": "~", "restore": ""}

// checkMidway checks that out has a line of op with an object, a bar, a
// percentage under 100, bytes of a total, and a rate.
func checkMidway(t *testing.T, op, out string) {
	t.Helper()

	midway := regexp.MustCompile(`\r\S+ \[=+>? *\] +\d{1,2}% [\d.]+ [KMG]?i?B/` + estimate[op] +
		`[\d.]+ [KMG]?i?B [\d.]+ [KMG]?i?B/s`)
	if !midway.MatchString(out) {
		t.Errorf("%s: no line with a bar, bytes and a rate in %q", op, out)
	}
}

// checkFinal checks that out ends op's progress with a line for backup
// id at 100%, with the bytes, the time taken and the rate, and a newline.
func checkFinal(t *testing.T, op, id, out string) {
	t.Helper()

	final := regexp.MustCompile(`\r` + op + ` ` + regexp.QuoteMeta(id) + ` 100% ` +
		`[\d.]+ [KMG]?i?B in [\d.]+[mµ]?s [\d.]+ [KMG]?i?B/s *\n`)
	if !final.MatchString(out) {
		t.Errorf("%s: no final line for backup %s in %q", op, id, out)
	}
}

// TestProgressBarEnd checks that end finishes a line that no final report
// did, once, so that an error starts on a line of its own.
func TestProgressBarEnd(t *testing.T) {
	term, output := openTerminal(t, 70)
	report, end := progressBar(term)
	report(backup.Progress{Op: "backup", Object: "records", Done: mib, Total: 4 * mib})
	end()
	end()

	want := fmt.Sprintf("\r%-69s\n", "records [===>        ]  25% 1.0 MiB/~4.0 MiB 0 B/s")
	if got := output(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
