package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/integration/testenv"
)

// lockedBuffer is a buffer the daemon's goroutines write while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serving is avrdata serve running in-process.
type serving struct {
	t      *testing.T
	stderr *lockedBuffer
	cancel context.CancelFunc
	done   chan struct{}
	code   int
}

// startServe runs "avrdata serve args..." with env until stop or the end
// of the test.
func startServe(t *testing.T, env map[string]string, args ...string) *serving {
	t.Helper()

	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{t: t, stderr: &lockedBuffer{}, cancel: cancel, done: make(chan struct{})}
	getenv := func(name string) string { return env[name] }
	app := newApp(strings.NewReader(""), io.Discard, s.stderr, getenv)
	go func() {
		defer close(s.done)
		s.code = app.run(ctx, append([]string{"serve"}, args...))
	}()
	t.Cleanup(func() { s.stop() })
	return s
}

// stop cancels the daemon, as SIGTERM does, and returns its exit status.
func (s *serving) stop() int {
	s.cancel()
	<-s.done
	return s.code
}

// waitLog waits for a log line matching re and returns its submatches. It
// fails the test when the daemon exits first or nothing comes for a minute.
func (s *serving) waitLog(re *regexp.Regexp) []string {
	s.t.Helper()

	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(s.stderr.String()); m != nil {
			return m
		}
		select {
		case <-s.done:
			s.t.Fatalf("serve exited %d before logging %s:\n%s", s.code, re, s.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	s.t.Fatalf("serve logged no %s in a minute:\n%s", re, s.stderr)
	return nil
}

var listeningLine = regexp.MustCompile(`msg=listening .*addr=(\S+)`)

// get returns the status and body of path on the daemon at addr.
func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()

	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

func TestServeEndpoints(t *testing.T) {
	env := withEnv(storeEnv(t), "LISTEN_ADDR", "127.0.0.1:0")
	old := []string{"--created-at", "2020-02-01T10:00:00Z"}
	putFile(t, env, "transcript", "old-1", []byte("hello"), old...)
	putFile(t, env, "recording", "old-2", []byte("RIFF"), old...)
	putFile(t, env, "transcript", "new-1", []byte("hi"))

	s := startServe(t, env)
	addr := s.waitLog(listeningLine)[1]
	s.waitLog(regexp.MustCompile(`msg="records past retention, not purged.*records=2`))

	tests := []struct {
		path string
		code int
		want []string
	}{
		{"/healthz", 200, []string{"ok"}},
		{"/readyz", 200, []string{"ready"}},
		{"/metrics", 200, []string{
			"avrdata_records_past_retention 2",
			`avrdata_records_stored{kind="recording"} 1`,
			`avrdata_records_stored{kind="transcript"} 2`,
			"avrdata_records_purged_total 0",
			`avrdata_operations_total{operation="put"} 0`,
			"go_goroutines",
		}},
		{"/nothing-here", 404, nil},
	}
	for _, tt := range tests {
		code, body := get(t, addr, tt.path)
		if code != tt.code {
			t.Errorf("GET %s: got %d, want %d (%q)", tt.path, code, tt.code, body)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: body lacks %q", tt.path, w)
			}
		}
	}

	dropDatabase(t, env["DATABASE_URL"])
	if code, body := get(t, addr, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz without a database: got %d %q, want 503", code, body)
	}
	if code, _ := get(t, addr, "/healthz"); code != 200 {
		t.Errorf("GET /healthz without a database: got %d, want 200", code)
	}
	if code := s.stop(); code != exitOK {
		t.Errorf("serve stopped: got exit %d, want 0\n%s", code, s.stderr)
	}
}

// dropDatabase drops the database of dbURL, ending its sessions.
func dropDatabase(t *testing.T, dbURL string) {
	t.Helper()

	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(context.Background(), testenv.PostgresServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	name := strings.TrimPrefix(u.Path, "/")
	if _, err := pool.Exec(context.Background(), `DROP DATABASE "`+name+`" WITH (FORCE)`); err != nil {
		t.Fatalf("drop database: %v", err)
	}
}

// TestServeConfigProblems sets every variable wrong at once: one run must
// name them all, and print no secret.
func TestServeConfigProblems(t *testing.T) {
	const password = "pw-Zq8v3Kd1"
	env := map[string]string{
		"DATABASE_URL":            "postgres://avrdata:" + password + "@127.0.0.1:1/avrdata",
		"ENCRYPTION_KEY":          "c2VjcmV0LWJ1dC10b28tc2hvcnQ=",
		"ENCRYPTION_KEY_PREVIOUS": "b2xkLWFuZC1hbHNvLXNob3J0",
		"DATA_RETENTION_DAYS":     "thirty",
		"AUTO_DELETE":             "sometimes",
		"BACKUP_URL":              "ftp://backups.example.com/avr",
		"BACKUP_RETENTION_DAYS":   "-3",
		"LOG_LEVEL":               "loud",
		"LOG_FORMAT":              "xml",
		"LOG_SECURITY":            "maybe",
		"LISTEN_ADDR":             "nowhere",
		"PURGE_INTERVAL":          "hourly",
		"BACKUP_INTERVAL":         "-1h",
		"RESTORE_DRILL_INTERVAL":  "0",
	}

	r := runWith(t, env, nil, "serve")

	if r.code != exitUsage {
		t.Errorf("got exit %d, want %d", r.code, exitUsage)
	}
	for _, v := range serveVariables {
		if !strings.Contains(r.stderr, "\n  "+v+": ") {
			t.Errorf("stderr names no problem of %s:\n%s", v, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, "cannot connect") {
		t.Errorf("stderr does not say the database does not answer:\n%s", r.stderr)
	}
	for _, secret := range []string{password, env["ENCRYPTION_KEY"], env["ENCRYPTION_KEY_PREVIOUS"]} {
		if strings.Contains(r.stderr+r.stdout, secret) {
			t.Errorf("output holds the secret %q:\n%s", secret, r.stderr)
		}
	}
}

// TestServeRefusesKey runs serve with a key other than the store's and a
// bad LOG_FORMAT: both are named in one run, and nothing is written.
func TestServeRefusesKey(t *testing.T) {
	env := storeEnv(t)
	mustRun(t, env, "ls") // creates the keysets under env's key
	before := tableDigests(t, env)
	wrong := withEnv(env, "ENCRYPTION_KEY", newKey(t), "LOG_FORMAT", "xml",
		"LISTEN_ADDR", "127.0.0.1:0")

	r := runWith(t, wrong, nil, "serve")

	if r.code != exitUsage {
		t.Errorf("got %v, want exit %d", r, exitUsage)
	}
	for _, want := range []string{"ENCRYPTION_KEY: does not match", "LOG_FORMAT: "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, key := range []string{env["ENCRYPTION_KEY"], wrong["ENCRYPTION_KEY"]} {
		if strings.Contains(r.stderr, key) {
			t.Errorf("stderr holds a key:\n%s", r.stderr)
		}
	}
	compareDigests(t, "serve with a wrong key", before, tableDigests(t, env))
}

func TestServeListenAddrTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	env := withEnv(storeEnv(t), "LISTEN_ADDR", ln.Addr().String())

	r := runWith(t, env, nil, "serve")

	if r.code != exitUsage || !strings.Contains(r.stderr, "LISTEN_ADDR: cannot listen on "+ln.Addr().String()) {
		t.Errorf("got %v, want exit 2 naming LISTEN_ADDR", r)
	}
}

func TestNextTick(t *testing.T) {
	base := time.Date(2025, 6, 1, 10, 17, 3, 0, time.UTC)
	tests := []struct {
		interval time.Duration
		want     time.Time
	}{
		{time.Hour, time.Date(2025, 6, 1, 11, 0, 0, 0, time.UTC)},
		{15 * time.Minute, time.Date(2025, 6, 1, 10, 30, 0, 0, time.UTC)},
		{24 * time.Hour, time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)},
		{time.Second, base.Add(time.Second)},
	}
	for _, tt := range tests {
		if got := nextTick(base, tt.interval); !got.Equal(tt.want) {
			t.Errorf("nextTick(%v, %v): got %v, want %v", base, tt.interval, got, tt.want)
		}
	}
}

// TestSchedulersExclude runs one job in two schedulers on one database,
// as two daemons would: its runs never overlap.
func TestSchedulersExclude(t *testing.T) {
	dbURL := testenv.Postgres(t)
	var running, overlaps, runs atomic.Int32
	work := func(ctx context.Context) error {
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		runs.Add(1)
		time.Sleep(30 * time.Millisecond)
		running.Add(-1)
		return nil
	}
	j := job{name: "exclusive", interval: 40 * time.Millisecond, atStart: true, run: work}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 2 {
		pool, err := pgxpool.New(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		s := &scheduler{pool: pool, log: discardLog()}
		wg.Go(func() { s.run(ctx, []job{j}) })
	}
	wg.Wait()

	if overlaps.Load() != 0 || runs.Load() == 0 {
		t.Errorf("got %d runs, %d of them overlapping another; want some, none overlapping",
			runs.Load(), overlaps.Load())
	}
}
