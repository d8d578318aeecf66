package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCLITamper damages stored records in the ways an attacker with write
// access to the database could, and checks that get refuses each damaged
// record and verify names exactly those.
func TestCLITamper(t *testing.T) {
	c := newCLI(t)
	type rec struct {
		kind, call, id string
		data           []byte
	}
	recs := map[string]*rec{}
	for _, name := range []string{"r1", "r2", "r3", "r4", "r5"} {
		recs[name] = &rec{kind: "recording", call: "call-" + name, data: randomBytes(2<<20 + 1000)}
	}
	for _, name := range []string{"t1", "t2"} {
		text := []byte(strings.Repeat("agent: hello. ", 200))
		recs[name] = &rec{kind: "transcript", call: "call-" + name, data: text}
	}
	for _, r := range recs {
		r.id = c.put(r.kind, r.call, r.data)
	}

	// One byte of r3's second chunk; r1's and r2's second chunks swapped;
	// r4's data key copied to r5, t2's to t1.
	c.exec(`UPDATE record_chunks SET data = set_byte(data, 100, get_byte(data, 100) # 1)
		WHERE record_id = $1 AND seq = 1`, recs["r3"].id)
	c.exec(`UPDATE record_chunks c SET data = o.data FROM record_chunks o
		WHERE c.seq = 1 AND o.seq = 1 AND c.record_id = ANY($1::uuid[])
		  AND o.record_id = ANY($1::uuid[]) AND o.record_id <> c.record_id`,
		[]string{recs["r1"].id, recs["r2"].id})
	for _, pair := range [][2]string{{"r4", "r5"}, {"t2", "t1"}} {
		c.exec(`UPDATE records SET wrapped_key = (SELECT wrapped_key FROM records WHERE id = $1)
			WHERE id = $2`, recs[pair[0]].id, recs[pair[1]].id)
	}
	damaged := []string{"r1", "r2", "r3", "r5", "t1"}

	for name, r := range recs {
		got := c.run(nil, "get", r.kind, r.id)
		switch {
		case slices.Contains(damaged, name):
			if got.code != 1 || !strings.Contains(got.stderr, "integrity check failed") {
				t.Errorf("get %s (damaged): got %v, want exit 1 and the integrity error", name, got)
			}
		case got.code != 0 || got.stdout != string(r.data):
			t.Errorf("get %s (intact): got %v, want exit 0 and its %d bytes", name, got, len(r.data))
		}
	}

	v := c.run(nil, "verify")
	if v.code != 1 {
		t.Errorf("verify: got %v, want exit 1", v)
	}
	var wantLines []string
	for _, name := range damaged {
		r := recs[name]
		wantLines = append(wantLines, r.kind+" "+r.id+" "+r.call)
	}
	if got := failureLines(v.stdout); !sameSet(got, wantLines) {
		t.Errorf("verify named %q, want exactly %q", got, wantLines)
	}
}

// failureLines returns "kind id call" of each failure line of a verify
// report: the lines after the FAILED header.
func failureLines(report string) []string {
	var lines []string
	header := false
	sc := bufio.NewScanner(strings.NewReader(report))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) > 0 && f[0] == "FAILED":
			header = true
		case header && len(f) >= 3:
			lines = append(lines, strings.Join(f[:3], " "))
		}
	}
	return lines
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestCLIKilledPut kills avrdata while it streams a recording from a pipe
// into PostgreSQL: nothing of the recording, nor its call, may remain.
func TestCLIKilledPut(t *testing.T) {
	c := newCLI(t)
	cmd := c.command("put", "recording", "--call", "call-killed", "-")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := c.start(cmd)

	// Write 3 MiB and keep the pipe open, as a recorder still recording.
	written := make(chan error, 1)
	go func() {
		_, err := stdin.Write(randomBytes(3 << 20))
		written <- err
	}()
	c.waitForCopy(putCopy, p)
	p.kill()
	<-written

	if out := c.mustRun("ls"); out != "" {
		t.Errorf("ls after the killed put: got %q, want nothing", out)
	}
	for _, table := range []string{"records", "record_chunks", "calls"} {
		if n := c.count(table); n != 0 {
			t.Errorf("table %s: got %d rows, want none", table, n)
		}
	}
}

// Patterns of pg_stat_activity's query column for waitForCopy.
const (
	putCopy    = `COPY record_chunks%`                   // a put's chunks
	backupCopy = `COPY (SELECT % FROM "record_chunks")%` // a backup reading chunks
)

// waitForCopy waits until PostgreSQL shows a statement like pattern (a
// COPY) running in the cli's database. It fails the test if the command
// exits first, with what it wrote to stderr.
func (c *cli) waitForCopy(pattern string, p *process) {
	c.t.Helper()

	conn := c.conn()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var n int
		err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			  AND state = 'active' AND query LIKE $1`, pattern).Scan(&n)
		if err != nil {
			c.t.Fatalf("read pg_stat_activity: %v", err)
		}
		if n > 0 {
			return
		}
		select {
		case err := <-p.exited:
			c.t.Fatalf("avrdata ended before %q was seen: %v: %s", pattern, err, p.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	c.t.Fatalf("%q never showed in pg_stat_activity", pattern)
}

// TestCLIGetOutput checks get -o: a damaged record leaves no file behind, a
// good one arrives whole, and /dev/null can be written to.
func TestCLIGetOutput(t *testing.T) {
	c := newCLI(t)
	data := randomBytes(2<<20 + 500)
	good := c.put("recording", "call-1", data)
	bad := c.put("recording", "call-1", data)
	c.exec(`UPDATE record_chunks SET data = set_byte(data, 100, get_byte(data, 100) # 1)
		WHERE record_id = $1 AND seq = 2`, bad)
	dir := t.TempDir()

	r := c.run(nil, "get", "recording", bad, "-o", filepath.Join(dir, "bad.wav"))
	if r.code != 1 || !strings.Contains(r.stderr, "integrity check failed") {
		t.Errorf("get -o of a damaged record: got %v, want exit 1 and the integrity error", r)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("get -o of a damaged record left %q, want no file", names)
	}

	out := filepath.Join(dir, "good.wav")
	c.mustRun("get", "recording", good, "-o", out)
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("get -o: got %d bytes (%v), want the %d put", len(got), err, len(data))
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"good.wav"}) {
		t.Errorf("got files %q, want only good.wav", names)
	}

	c.mustRun("get", "recording", good, "-o", os.DevNull)
}

// TestCLIMarker stores a recording and a transcript that hold a unique
// marker and checks that the marker is nowhere in the database: not in its
// files, not in the write-ahead log, not in a pg_dump.
func TestCLIMarker(t *testing.T) {
	c := newCLI(t)
	marker := "avrdata-marker-" + hex.EncodeToString(randomBytes(16))
	control := "avrdata-control-" + hex.EncodeToString(randomBytes(16))

	recording := slices.Concat(randomBytes(1000), []byte(marker), randomBytes(1<<20), []byte(marker))
	transcript := "caller: my name is " + marker + "\n" + hex.EncodeToString(randomBytes(2000))
	dir := t.TempDir()
	for _, in := range []struct{ kind, file, data string }{
		{"recording", "call.wav", string(recording)},
		{"transcript", "call.txt", transcript},
	} {
		path := filepath.Join(dir, in.file)
		if err := os.WriteFile(path, []byte(in.data), 0o600); err != nil {
			t.Fatal(err)
		}
		r := c.run(nil, "put", in.kind, "--call", "call-1", "--agent", marker, path)
		if r.code != 0 || strings.Contains(r.stdout+r.stderr, marker) {
			t.Fatalf("put %s: got %v, want exit 0 and no marker in the output", in.kind, r)
		}
	}

	// The control is stored in plaintext: the scans must find it.
	c.exec(`CREATE TABLE control AS SELECT $1::text AS v`, control)
	if _, err := c.conn().Exec(context.Background(), `CHECKPOINT`); err != nil {
		t.Fatalf("checkpoint: %v", err)
	}

	t.Run("database files", func(t *testing.T) { c.scanDataFiles(t, marker, control) })
	t.Run("pg_dump", func(t *testing.T) { c.scanDump(t, marker, control) })
}

// scanDataFiles looks for marker in the database's files and the
// write-ahead log, and for control, which must be there.
func (c *cli) scanDataFiles(t *testing.T, marker, control string) {
	var dataDir, oid string
	err := c.conn().QueryRow(context.Background(), `SELECT current_setting('data_directory'),
		oid::text FROM pg_database WHERE datname = current_database()`).Scan(&dataDir, &oid)
	if err != nil {
		t.Fatalf("find the data directory: %v", err)
	}
	base := filepath.Join(dataDir, "base", oid)
	if _, err := os.ReadDir(base); err != nil {
		t.Skipf("the server's data directory is not readable here (%v): "+
			"cannot scan its files; the pg_dump scan still runs", err)
	}

	found := map[string]bool{}
	for _, root := range []string{base, filepath.Join(dataDir, "pg_wal")} {
		for _, s := range []string{marker, control} {
			if fileHolds(t, root, s) != "" {
				found[s] = true
			}
		}
	}
	if found[marker] {
		t.Errorf("the marker is in the database's files in %s", dataDir)
	}
	if !found[control] {
		t.Errorf("the plaintext control is not in the database's files: the scan is blind")
	}
}

// fileHolds returns the first file under root whose bytes contain s, or "".
func fileHolds(t *testing.T, root, s string) string {
	t.Helper()

	var hit string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || hit != "" {
			return err
		}
		if contains(t, path, []byte(s)) {
			hit = path
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("scan %s: %v", root, err)
	}
	return hit
}

// contains reports whether the file at path holds needle, reading it a
// block at a time.
func contains(t *testing.T, path string, needle []byte) bool {
	t.Helper()

	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false // removed by the server meanwhile
	}
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	defer f.Close()

	buf := make([]byte, 4<<20)
	keep := 0
	for {
		n, err := io.ReadFull(f, buf[keep:])
		if bytes.Contains(buf[:keep+n], needle) {
			return true
		}
		if err != nil {
			return false
		}
		keep = copy(buf, buf[keep+n-(len(needle)-1):keep+n])
	}
}

// scanDump looks for marker, as text and as bytea hex, in a pg_dump of the
// database, and for control, which must be there.
func (c *cli) scanDump(t *testing.T, marker, control string) {
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		t.Fatalf("pg_dump is not installed: install postgresql-client "+
			"(apt-get install postgresql-client): %v", err)
	}
	var dump, stderr bytes.Buffer
	cmd := exec.Command(pgDump, "--dbname="+c.dbURL)
	cmd.Stdout, cmd.Stderr = &dump, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pg_dump: %v: %s", err, stderr.String())
	}

	for _, s := range []string{marker, hex.EncodeToString([]byte(marker))} {
		if bytes.Contains(dump.Bytes(), []byte(s)) {
			t.Errorf("the marker is in the pg_dump output (as %.20s...)", s)
		}
	}
	if !bytes.Contains(dump.Bytes(), []byte(control)) {
		t.Errorf("the plaintext control is not in the pg_dump output: the scan is blind")
	}
}
