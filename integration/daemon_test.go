package integration

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
	"github.com/avrdata/avrdata/store/storetest"
)

// lockedOutput collects what a daemon writes while the test reads it.
type lockedOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *lockedOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *lockedOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// daemonProc is "avrdata serve" running as a process.
type daemonProc struct {
	t      *testing.T
	proc   *os.Process
	out    *lockedOutput // stdout and stderr
	exited chan struct{}
	code   int
}

// startDaemon starts "avrdata serve args..." with the cli's environment.
// The test's cleanup kills it if it still runs.
func (c *cli) startDaemon(args ...string) *daemonProc {
	c.t.Helper()

	cmd := c.command(append([]string{"serve"}, args...)...)
	d := &daemonProc{t: c.t, out: &lockedOutput{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = d.out, d.out
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("start avrdata serve: %v", err)
	}
	d.proc = cmd.Process
	go func() {
		cmd.Wait()
		d.code = cmd.ProcessState.ExitCode()
		close(d.exited)
	}()
	c.t.Cleanup(func() {
		d.proc.Kill()
		<-d.exited
	})
	return d
}

// waitLog waits until the output has n lines matching re and returns the
// submatches of the last. It fails the test when the daemon exits first or
// two minutes pass.
func (d *daemonProc) waitLog(re *regexp.Regexp, n int) []string {
	d.t.Helper()

	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if m := re.FindAllStringSubmatch(d.out.String(), -1); len(m) >= n {
			return m[len(m)-1]
		}
		select {
		case <-d.exited:
			d.t.Fatalf("avrdata serve exited %d before logging %s:\n%s", d.code, re, d.out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	d.t.Fatalf("avrdata serve logged no %s in two minutes:\n%s", re, d.out)
	return nil
}

// stop sends sig and returns the exit status.
func (d *daemonProc) stop(sig os.Signal) int {
	d.t.Helper()

	if err := d.proc.Signal(sig); err != nil {
		d.t.Fatalf("signal avrdata serve: %v", err)
	}
	select {
	case <-d.exited:
	case <-time.After(2 * time.Minute):
		d.t.Fatalf("avrdata serve still runs two minutes after %v:\n%s", sig, d.out)
	}
	return d.code
}

var (
	listeningLog = regexp.MustCompile(`msg=listening .*addr=(\S+)`)
	purgedLog    = regexp.MustCompile(`msg="purge pass" .*records=(\d+) .*complete=true`)
	batchLog     = regexp.MustCompile(`msg="purge batch"`)
)

// fetch returns the status and body of GET path on addr.
func fetch(t *testing.T, addr, path string) (int, string) {
	t.Helper()

	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

// checkEndpoint fails t unless GET path answers code with every line of
// want in its body.
func checkEndpoint(t *testing.T, addr, path string, code int, want ...string) {
	t.Helper()

	got, body := fetch(t, addr, path)
	if got != code {
		t.Errorf("GET %s: got %d, want %d", path, got, code)
	}
	for _, w := range want {
		if !strings.Contains(body, w+"\n") {
			t.Errorf("GET %s: body lacks the line %q", path, w)
		}
	}
}

// daemonCLI returns a cli for running the daemon on c's database, with a
// DATABASE_URL that holds a password, and that password. A URL without
// one gets a made-up one: the test servers trust loopback connections.
func daemonCLI(c *cli, vars ...string) (*cli, string) {
	c.t.Helper()

	u, err := url.Parse(c.dbURL)
	if err != nil {
		c.t.Fatal(err)
	}
	password, ok := u.User.Password()
	if !ok {
		password = "pw-" + string(randomHex(8))
		u.User = url.UserPassword(u.User.Username(), password)
	}
	return c.withVars(append([]string{"DATABASE_URL=" + u.String(),
		"LISTEN_ADDR=127.0.0.1:0"}, vars...)...), password
}

func randomHex(n int) []byte {
	const digits = "0123456789abcdef"
	b := randomBytes(n)
	for i := range b {
		b[i] = digits[b[i]%16]
	}
	return b
}

// checkNoSecrets fails t if output holds the cli's ENCRYPTION_KEY or any
// of secrets.
func checkNoSecrets(t *testing.T, c *cli, output string, secrets ...string) {
	t.Helper()

	for _, s := range append(secrets, envValue(c.env, "ENCRYPTION_KEY")) {
		if s != "" && strings.Contains(output, s) {
			t.Errorf("the daemon's output holds a secret (%d characters)", len(s))
		}
	}
}

// TestDaemonReportsWithoutAutoDelete: with AUTO_DELETE unset the daemon
// deletes nothing, and logs and exports how much is past retention.
func TestDaemonReportsWithoutAutoDelete(t *testing.T) {
	c := newCLI(t)
	s := libraryStore(t, c, 30)
	var all []stored
	for _, age := range []time.Duration{40 * day, 50 * day, 31 * day, 90 * day, day, 0} {
		all = append(all, putAged(t, s, "call-"+age.String(), age, 0))
	}
	if err := s.Hold(context.Background(), "call-2160h0m0s", "inquiry"); err != nil {
		t.Fatal(err)
	}
	dc, password := daemonCLI(c)

	d := dc.startDaemon()
	addr := d.waitLog(listeningLog, 1)[1]
	d.waitLog(regexp.MustCompile(
		`msg="records past retention, not purged: AUTO_DELETE is not true" .*records=4 held=1`), 1)
	checkEndpoint(t, addr, "/metrics", 200,
		"avrdata_records_past_retention 4", "avrdata_records_past_retention_held 1",
		"avrdata_records_purged_total 0", `avrdata_records_stored{kind="transcript"} 6`)

	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("after SIGTERM: got exit %d, want 0", code)
	}
	if got, want := storetest.IDs(t, s), idsOf(all); len(got) != len(want) {
		t.Errorf("got %d records after the daemon ran, want all %d", len(got), len(want))
	}
	checkNoSecrets(t, c, d.out.String(), password)
}

// TestDaemonPurges: with AUTO_DELETE=true the first pass runs at start;
// the endpoints answer; SIGINT stops the daemon with status 0.
func TestDaemonPurges(t *testing.T) {
	c := newCLI(t)
	s := libraryStore(t, c, 30)
	var fresh []stored
	for i := range 5 {
		putAged(t, s, "old", 40*day+time.Duration(i)*time.Hour, 0)
		fresh = append(fresh, putAged(t, s, "new", time.Duration(i)*day, 0))
	}
	dc, password := daemonCLI(c, "AUTO_DELETE=true", "LOG_SECURITY=true")

	d := dc.startDaemon()
	addr := d.waitLog(listeningLog, 1)[1]
	if got := d.waitLog(purgedLog, 1)[1]; got != "5" {
		t.Errorf("first pass purged %s records, want 5", got)
	}
	checkEndpoint(t, addr, "/healthz", 200, "ok")
	checkEndpoint(t, addr, "/readyz", 200, "ready")
	checkEndpoint(t, addr, "/metrics", 200, "avrdata_records_purged_total 5",
		"avrdata_records_past_retention 0", `avrdata_records_stored{kind="transcript"} 5`)
	security := "component=security action=purge actor=daemon outcome=ok count=5"
	if !strings.Contains(d.out.String(), security) {
		t.Errorf("LOG_SECURITY=true: no purge audit event in the log:\n%s", d.out)
	}

	if code := d.stop(syscall.SIGINT); code != 0 {
		t.Errorf("after SIGINT: got exit %d, want 0", code)
	}
	if got, want := storetest.IDs(t, s), idsOf(fresh); !equalIDs(got, want) {
		t.Errorf("after the daemon ran: got %v, want %v", got, want)
	}
	checkNoSecrets(t, c, d.out.String(), password)
}

func equalIDs(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// longPass fills the database of a new cli with n expired transcripts and
// a few fresh records, for a pass that takes many batches. It returns the
// cli for the daemon, the store, the fresh records and the database
// password the daemon's environment holds.
func longPass(t *testing.T, n int, vars ...string) (*cli, *store.Store, []stored, string) {
	t.Helper()

	c := newCLI(t)
	s := libraryStore(t, c, 30)
	putParallel(t, 4, n, func(i int) error {
		_, err := tryPut(s, "old-"+string(rune('a'+i%26)), 40*day, 0)
		return err
	})
	var fresh []stored
	for i := range 10 {
		fresh = append(fresh, putAged(t, s, "new", time.Duration(i)*day, 0))
	}
	fresh = append(fresh, putAged(t, s, "new-audio", day, 2*store.ChunkSize+10))
	dc, password := daemonCLI(c, append([]string{"AUTO_DELETE=true", "LOG_LEVEL=debug"}, vars...)...)
	return dc, s, fresh, password
}

// expiredLeft returns how many of the n expired records are still stored,
// and fails t unless the pass was stopped in the middle.
func expiredLeft(t *testing.T, s *store.Store, fresh []stored, n int) int {
	t.Helper()

	left := len(storetest.IDs(t, s)) - len(fresh)
	if left <= 0 || left >= n {
		t.Fatalf("%d of %d expired records left, want some purged and some not", left, n)
	}
	return left
}

// TestDaemonKilledMidPass kills the daemon with SIGKILL while a long pass
// deletes, then starts it again: the store stays consistent, and the second
// daemon finishes the work.
func TestDaemonKilledMidPass(t *testing.T) {
	const expiredCount = 3000
	c, s, fresh, password := longPass(t, expiredCount, "PURGE_INTERVAL=2s")

	first := c.startDaemon("--purge-batch-size", "5")
	first.waitLog(batchLog, 3)
	first.proc.Kill()
	<-first.exited

	left := expiredLeft(t, s, fresh, expiredCount)
	t.Logf("killed with %d of %d expired records left", left, expiredCount)
	checkConsistent(t, s, fresh)

	second := c.startDaemon("--purge-batch-size", "50")
	second.waitLog(purgedLog, 1)
	if code := second.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("second daemon after SIGTERM: got exit %d, want 0", code)
	}
	if got, want := storetest.IDs(t, s), idsOf(fresh); !equalIDs(got, want) {
		t.Errorf("after the second daemon: got %d records, want the %d fresh ones", len(got), len(want))
	}
	checkConsistent(t, s, fresh)
	checkNoSecrets(t, c, first.out.String()+second.out.String(), password)
}

// TestDaemonTerminatedMidPass sends SIGTERM during a long pass: the daemon
// stops after the batch in hand, exits 0, and the audit trail records a
// partial pass with what it purged.
func TestDaemonTerminatedMidPass(t *testing.T) {
	const expiredCount = 1500
	c, s, fresh, password := longPass(t, expiredCount)

	d := c.startDaemon("--purge-batch-size", "5")
	d.waitLog(batchLog, 3)
	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("after SIGTERM: got exit %d, want 0", code)
	}

	left := expiredLeft(t, s, fresh, expiredCount)
	events, err := s.AuditEvents(context.Background(), 0, "purge", 10)
	if err != nil || len(events) != 1 {
		t.Fatalf("purge audit events: got %d, %v; want 1", len(events), err)
	}
	if e := events[0]; e.Outcome != "partial" || e.Count != int64(expiredCount-left) {
		t.Errorf("audit event: got outcome %q count %d, want partial %d",
			e.Outcome, e.Count, expiredCount-left)
	}
	checkConsistent(t, s, fresh)
	checkNoSecrets(t, c, d.out.String(), password)
}

// checkConsistent verifies every stored record in full and reads back the
// fresh ones.
func checkConsistent(t *testing.T, s *store.Store, fresh []stored) {
	t.Helper()

	rep, err := s.Verify(context.Background(), nil)
	if err != nil || !rep.OK() {
		t.Errorf("verify: got %d failures, %v; want none", len(rep.Failures), err)
	}
	checkIntact(t, s, fresh)
}

// TestDaemonConfigErrors: bad configurations exit 2 naming every bad
// variable in one run, without printing a secret.
func TestDaemonConfigErrors(t *testing.T) {
	c := newCLI(t)
	c.mustRun("ls") // keys the store with the cli's key
	otherKey, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	good, password := daemonCLI(c)

	tests := []struct {
		name string
		vars []string
		want []string
	}{
		{"everything", []string{
			"DATABASE_URL=postgres://avrdata:" + password + "@127.0.0.1:1/avrdata",
			"ENCRYPTION_KEY=" + otherKey[:20], "DATA_RETENTION_DAYS=-3", "AUTO_DELETE=2",
			"BACKUP_URL=file://relative/path", "LOG_LEVEL=chatty", "LOG_FORMAT=yaml",
			"LOG_SECURITY=on-ish", "LISTEN_ADDR=:http:", "PURGE_INTERVAL=1 hour",
			"BACKUP_INTERVAL=1d", "RESTORE_DRILL_INTERVAL=week",
		}, []string{"DATABASE_URL", "ENCRYPTION_KEY", "DATA_RETENTION_DAYS", "AUTO_DELETE",
			"BACKUP_URL", "LOG_LEVEL", "LOG_FORMAT", "LOG_SECURITY", "LISTEN_ADDR",
			"PURGE_INTERVAL", "BACKUP_INTERVAL", "RESTORE_DRILL_INTERVAL"}},
		{"refused key", []string{"ENCRYPTION_KEY=" + otherKey, "PURGE_INTERVAL=soon"},
			[]string{"ENCRYPTION_KEY", "PURGE_INTERVAL"}},
	}
	for _, tt := range tests {
		r := good.withVars(tt.vars...).run(nil, "serve")
		if r.code != 2 {
			t.Errorf("%s: got %v, want exit 2", tt.name, r)
		}
		for _, v := range tt.want {
			if !strings.Contains(r.stderr, "\n  "+v+": ") {
				t.Errorf("%s: stderr names no problem of %s:\n%s", tt.name, v, r.stderr)
			}
		}
		checkNoSecrets(t, c, r.stdout+r.stderr, password, otherKey, otherKey[:20])
	}
}
