package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/integration/testenv"
)

// avrdataBin is the avrdata command built by TestMain, or buildErr why not.
var (
	avrdataBin string
	buildErr   error
)

// TestMain builds the avrdata command once for the tests that run it as a
// user would, and removes it at the end.
func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "avrdata-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if !testing.Short() || testenv.Required() {
		avrdataBin, buildErr = buildAvrdata(dir)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildAvrdata builds ./cmd/avrdata into dir.
func buildAvrdata(dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("build avrdata: the go command is not on PATH: %w", err)
	}
	bin := filepath.Join(dir, "avrdata")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/avrdata/avrdata/cmd/avrdata")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build avrdata: %w\n%s", err, out)
	}
	return bin, nil
}

// cli runs the avrdata command against one fresh, migrated database with
// an environment of its own: nothing of the test's environment leaks in.
type cli struct {
	t     *testing.T
	dbURL string
	env   []string
}

func newCLI(t *testing.T) *cli {
	t.Helper()

	dbURL := testenv.Postgres(t)
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	key, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	c := &cli{t: t, dbURL: dbURL, env: []string{
		"DATABASE_URL=" + dbURL, "ENCRYPTION_KEY=" + key, "PATH=/usr/bin:/bin",
	}}
	c.mustRun("migrate")
	return c
}

// result is what one run of avrdata did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	out := r.stdout
	if len(out) > 200 {
		out = fmt.Sprintf("%d bytes", len(out))
	}
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, out, r.stderr)
}

// command returns the avrdata command for args, with the cli's environment.
func (c *cli) command(args ...string) *exec.Cmd {
	cmd := exec.Command(avrdataBin, args...)
	cmd.Env = c.env
	return cmd
}

// process is an avrdata command started in the background.
type process struct {
	cmd    *exec.Cmd
	exited chan error // receives cmd.Wait's result once it exits
	stderr *bytes.Buffer
}

// start starts cmd, which c.command made, with its stderr kept; a
// caller that writes to its stdin sets that up before.
func (c *cli) start(cmd *exec.Cmd) *process {
	c.t.Helper()

	p := &process{cmd: cmd, exited: make(chan error, 1), stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	return p
}

// kill kills the process with SIGKILL and waits until it is gone.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// run runs avrdata with stdin (nil for none) and returns what it did.
func (c *cli) run(stdin io.Reader, args ...string) result {
	c.t.Helper()

	cmd := c.command(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
	err := cmd.Run()

	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		c.t.Fatalf("run avrdata %s: %v", strings.Join(args, " "), err)
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// mustRun runs avrdata and fails the test unless it exits 0; it returns
// stdout.
func (c *cli) mustRun(args ...string) string {
	c.t.Helper()

	r := c.run(nil, args...)
	if r.code != 0 {
		c.t.Fatalf("avrdata %s: got %v, want exit 0", strings.Join(args, " "), r)
	}
	return r.stdout
}

// put stores data from a file as a record of kind and returns its id.
func (c *cli) put(kind, call string, data []byte) string {
	c.t.Helper()

	path := filepath.Join(c.t.TempDir(), "content")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		c.t.Fatal(err)
	}
	return strings.TrimSpace(c.mustRun("put", kind, "--call", call, path))
}

// conn returns a connection to the cli's database, closed at cleanup.
func (c *cli) conn() *pgx.Conn {
	c.t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.dbURL)
	if err != nil {
		c.t.Fatalf("connect: %v", err)
	}
	c.t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// exec runs a statement that must change rows.
func (c *cli) exec(sql string, args ...any) {
	c.t.Helper()

	tag, err := c.conn().Exec(context.Background(), sql, args...)
	if err != nil {
		c.t.Fatalf("%s: %v", sql, err)
	}
	if tag.RowsAffected() == 0 {
		c.t.Fatalf("%s: changed no row", sql)
	}
}

// count returns the number of rows of table.
func (c *cli) count(table string) int64 {
	c.t.Helper()

	var n int64
	err := c.conn().QueryRow(context.Background(),
		`SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n)
	if err != nil {
		c.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
