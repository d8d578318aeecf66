package integration

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/integration/testenv"
	"github.com/avrdata/avrdata/internal/pglock"
)

// backupPlace is a backup location for the CLI, with a way to scan the
// bytes stored there.
type backupPlace struct {
	url  string
	scan func(t *testing.T, s string) bool // whether any stored byte sequence holds s
	keep func(t *testing.T, s string)      // stores s in plaintext beside the backups
}

// filePlace is a file:// location in a temporary folder.
func filePlace(t *testing.T) (backupPlace, string) {
	dir := t.TempDir()
	return backupPlace{
		url:  "file://" + dir,
		scan: func(t *testing.T, s string) bool { return fileHolds(t, dir, s) != "" },
		keep: func(t *testing.T, s string) {
			if err := os.WriteFile(filepath.Join(dir, "control"), []byte(s), 0o600); err != nil {
				t.Fatal(err)
			}
		},
	}, dir
}

// s3Place is an s3:// location in a fresh bucket; c gets the AWS
// variables that reach it. The scan reads the server's files when it
// stores them in a known folder (which also holds parts of uploads), and
// every object otherwise.
func s3Place(t *testing.T, c *cli) backupPlace {
	b := testenv.S3(t)
	c.env = append(c.env, b.Env()...)
	client := b.Client()
	return backupPlace{
		url: "s3://" + b.Bucket + "/avr/backups",
		scan: func(t *testing.T, s string) bool {
			if b.Dir != "" {
				return fileHolds(t, filepath.Join(b.Dir, b.Bucket), s) != ""
			}
			return bucketHolds(t, client, b.Bucket, s)
		},
		keep: func(t *testing.T, s string) {
			_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: &b.Bucket, Key: strPtr("control"), Body: strings.NewReader(s)})
			if err != nil {
				t.Fatal(err)
			}
		},
	}
}

func strPtr(s string) *string { return &s }

// bucketHolds reads every object of bucket and reports whether one holds s.
func bucketHolds(t *testing.T, client *s3.Client, bucket, s string) bool {
	t.Helper()

	ctx := context.Background()
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list.Contents {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(s)) {
			return true
		}
	}
	return false
}

// onDatabase returns a copy of c that works on database dbURL.
func (c *cli) onDatabase(dbURL string) *cli {
	d := c.with("DATABASE_URL=" + dbURL)
	d.dbURL = dbURL
	return d
}

// with returns a copy of c with more NAME=value variables; the last value
// of a variable wins.
func (c *cli) with(vars ...string) *cli {
	return &cli{t: c.t, dbURL: c.dbURL, env: append(slices.Clone(c.env), vars...)}
}

// restoreReport is what restore --json prints.
type restoreReport struct {
	OK             bool   `json:"ok"`
	Backup         string `json:"backup_id"`
	ExpiredRecords int64  `json:"expired_records"`
	ErasedCalls    int64  `json:"erased_calls"`
	Tombstones     int    `json:"tombstones"`
	Tables         []struct {
		Name          string
		Rows, Skipped int64
	} `json:"tables"`
	Verified *struct{ Records, Calls int64 } `json:"verified"`
}

func parseReport(t *testing.T, out string) restoreReport {
	t.Helper()

	var rep restoreReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("restore --json printed %q: %v", out, err)
	}
	return rep
}

// TestBackupRestore backs up recordings over 2 MiB and transcripts to S3
// and to a folder, restores each backup into a new database, and reads
// every record back byte for byte. A marker stored in the content must be
// in no stored backup byte.
func TestBackupRestore(t *testing.T) {
	for _, kind := range []string{"s3", "file"} {
		t.Run(kind, func(t *testing.T) {
			c := newCLI(t)
			place, _ := filePlace(t)
			if kind == "s3" {
				place = s3Place(t, c)
			}
			testBackupRestore(t, c, place)
		})
	}
}

func testBackupRestore(t *testing.T, c *cli, place backupPlace) {
	marker := "avrdata-marker-" + hex.EncodeToString(randomBytes(16))
	want := map[string][]byte{}
	for i, data := range [][]byte{
		slices.Concat(randomBytes(1000), []byte(marker), randomBytes(3<<20)),
		randomBytes(2<<20 + 4321),
		[]byte("caller: my name is " + marker + "\nagent: thank you"),
	} {
		kind := map[bool]string{true: "transcript", false: "recording"}[i == 2]
		want[kind+" "+c.put(kind, fmt.Sprintf("call-%d", i%2), data)] = data
	}

	id := strings.TrimSpace(c.mustRun("backup", "--to", place.url))
	target := c.onDatabase(testenv.Postgres(t))
	rep := parseReport(t, c.mustRun("restore", "--from", place.url, "--backup", id,
		"--target-database-url", target.dbURL, "--verify", "--json"))
	if !rep.OK || rep.Backup != id || rep.Verified == nil || rep.Verified.Records != 3 {
		t.Errorf("restore report: got %+v, want ok, backup %s, 3 records verified", rep, id)
	}

	for key, data := range want {
		kind, recID, _ := strings.Cut(key, " ")
		if got := target.mustRun("get", kind, recID); got != string(data) {
			t.Errorf("%s %s: restored %d bytes, want the %d stored", kind, recID, len(got), len(data))
		}
	}

	control := "avrdata-control-" + hex.EncodeToString(randomBytes(16))
	place.keep(t, control)
	if place.scan(t, marker) {
		t.Errorf("the marker is in the stored backup at %s", place.url)
	}
	if !place.scan(t, control) {
		t.Errorf("the plaintext control is not found at %s: the scan is blind", place.url)
	}
}

// TestBackupTamper changes one byte of each object of a backup in turn,
// then deletes one: a restore drill must exit 1 and name the object. A
// wrong ENCRYPTION_KEY must exit 2 before anything is written.
func TestBackupTamper(t *testing.T) {
	c := newCLI(t)
	place, dir := filePlace(t)
	c.put("recording", "call-1", randomBytes(2<<20+100))
	c.put("transcript", "call-1", []byte("agent: hello"))
	id := strings.TrimSpace(c.mustRun("backup", "--to", place.url))
	c.mustRun("restore", "--from", place.url, "--verify")

	names := dirNames(t, filepath.Join(dir, id))
	if len(names) != 9 {
		t.Fatalf("backup holds %q, want 8 tables and the manifest", names)
	}
	for _, name := range names {
		path := filepath.Join(dir, id, name)
		orig := readBytes(t, path)
		changed := slices.Clone(orig)
		changed[len(changed)/2] ^= 0x20
		writeBytes(t, path, changed)

		r := c.run(nil, "restore", "--from", place.url, "--verify")
		if r.code != 1 || !strings.Contains(r.stderr, "object "+name) {
			t.Errorf("%s changed: got %v, want exit 1 naming the object", name, r)
		}
		writeBytes(t, path, orig)
	}

	os.Remove(filepath.Join(dir, id, "records.0000"))
	r := c.run(nil, "restore", "--from", place.url, "--verify")
	if r.code != 1 || !strings.Contains(r.stderr, "records.0000") || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("records.0000 deleted: got %v, want exit 1 naming it", r)
	}

	testWrongKey(t, c, place)
}

// testWrongKey restores with another ENCRYPTION_KEY into an empty
// database, which must stay empty.
func testWrongKey(t *testing.T, c *cli, place backupPlace) {
	other, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	target := c.onDatabase(testenv.Postgres(t)).with("ENCRYPTION_KEY=" + other)
	r := target.run(nil, "restore", "--from", place.url, "--target-database-url", target.dbURL)
	if r.code != 2 || !strings.Contains(r.stderr, "is not the key backup") {
		t.Errorf("wrong key: got %v, want exit 2 and the wrong-key message", r)
	}
	if n := tableCount(t, target); n != 0 {
		t.Errorf("wrong key: the target has %d tables, want none", n)
	}
}

func tableCount(t *testing.T, c *cli) int {
	t.Helper()

	var n int
	err := c.conn().QueryRow(context.Background(),
		`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeBytes(t *testing.T, path string, data []byte) {
	t.Helper()

	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBackupKilled kills avrdata backup with SIGKILL while it streams the
// recordings: the run must not be listed, the next backup must succeed,
// and a prune must remove what the killed run left.
func TestBackupKilled(t *testing.T) {
	c := newCLI(t)
	place, dir := filePlace(t)
	for i := range 3 {
		c.put("recording", fmt.Sprintf("call-%d", i), randomBytes(32<<20))
	}

	p := c.start(c.command("backup", "--to", place.url))
	c.waitForCopy(backupCopy, p)
	p.kill()

	killed := dirNames(t, dir)
	if len(killed) != 1 || slices.Contains(dirNames(t, filepath.Join(dir, killed[0])), "manifest.json") {
		t.Fatalf("after the kill the folder holds %q, want one run without a manifest", killed)
	}
	if out := c.mustRun("backup", "ls", "--to", place.url); out != "" {
		t.Errorf("backup ls after the kill: got %q, want nothing", out)
	}

	id := strings.TrimSpace(c.mustRun("backup", "--to", place.url))
	prune := c.mustRun("backup", "prune", "--to", place.url)
	if !hasDecision(prune, "remove", killed[0]) {
		t.Errorf("prune printed %q, want the killed run %s removed", prune, killed[0])
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{id}) {
		t.Errorf("after prune the folder holds %q, want only %s", got, id)
	}
	c.mustRun("restore", "--from", place.url, "--verify")
}

// TestBackupKilledS3 kills a backup to S3 while it uploads the chunks,
// leaving an unfinished multipart upload: the run is not listed, the next
// backup succeeds, and prune removes the run and aborts its upload.
func TestBackupKilledS3(t *testing.T) {
	c := newCLI(t)
	b := testenv.S3(t)
	c.env = append(c.env, b.Env()...)
	url := "s3://" + b.Bucket + "/avr/backups"
	for i := range 3 {
		c.put("recording", fmt.Sprintf("call-%d", i), randomBytes(32<<20))
	}

	p := c.start(c.command("backup", "--to", url))
	killed := waitForUploadedPart(t, b, p)
	p.kill()

	if out := c.mustRun("backup", "ls", "--to", url); out != "" {
		t.Errorf("backup ls after the kill: got %q, want nothing", out)
	}
	id := strings.TrimSpace(c.mustRun("backup", "--to", url))
	prune := c.mustRun("backup", "prune", "--to", url)
	if !hasDecision(prune, "remove", killed) || !hasDecision(prune, "abort", killed+"/record_chunks.0000") {
		t.Errorf("prune printed %q, want run %s removed and its upload aborted", prune, killed)
	}
	if got := pendingUploads(t, b); len(got) != 0 {
		t.Errorf("after prune the bucket has unfinished uploads %q", got)
	}
	if out := c.mustRun("backup", "ls", "--to", url); !strings.Contains(out, id) {
		t.Errorf("backup ls after prune: got %q, want %s", out, id)
	}

	// Objects written in parts: the SDK must not log about their checksums.
	if r := c.run(nil, "restore", "--from", url, "--verify"); r.code != 0 || strings.Contains(r.stderr, "SDK") {
		t.Errorf("restore --verify: got %s; want exit 0 and no SDK messages", r)
	}
}

// waitForUploadedPart waits until the bucket holds an unfinished upload
// of record_chunks with a part stored, and returns its backup id.
func waitForUploadedPart(t *testing.T, b testenv.S3Bucket, p *process) string {
	t.Helper()

	client := b.Client()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		out, err := client.ListMultipartUploads(context.Background(),
			&s3.ListMultipartUploadsInput{Bucket: &b.Bucket})
		if err != nil {
			t.Fatalf("list uploads: %v", err)
		}
		for _, u := range out.Uploads {
			key := *u.Key
			if !strings.HasSuffix(key, "/record_chunks.0000") {
				continue
			}
			parts, err := client.ListParts(context.Background(), &s3.ListPartsInput{
				Bucket: &b.Bucket, Key: u.Key, UploadId: u.UploadId})
			if err == nil && len(parts.Parts) > 0 {
				return strings.Split(strings.TrimPrefix(key, "avr/backups/"), "/")[0]
			}
		}
		select {
		case err := <-p.exited:
			t.Fatalf("backup ended before a part was stored: %v: %s", err, p.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatal("no part of record_chunks was ever stored")
	return ""
}

// pendingUploads returns the keys of the bucket's unfinished uploads.
func pendingUploads(t *testing.T, b testenv.S3Bucket) []string {
	t.Helper()

	out, err := b.Client().ListMultipartUploads(context.Background(),
		&s3.ListMultipartUploadsInput{Bucket: &b.Bucket})
	if err != nil {
		t.Fatalf("list uploads: %v", err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, *u.Key)
	}
	return keys
}

// TestDrillKilled kills a restore drill while it loads: its scratch
// database stays behind, and the next drill drops it and says so.
func TestDrillKilled(t *testing.T) {
	c := newCLI(t)
	place, _ := filePlace(t)
	c.put("recording", "call-1", randomBytes(64<<20))
	c.mustRun("backup", "--to", place.url)

	p := c.start(c.command("restore", "--from", place.url, "--verify"))
	scratch := c.waitForDrillLoad(p)
	p.kill()
	c.waitForLockFree("drill database " + scratch)

	out := c.mustRun("restore", "--from", place.url, "--verify")
	if !strings.Contains(out, "dropped "+scratch+", left by a drill that did not finish") {
		t.Errorf("the next drill printed %q, want %s dropped", out, scratch)
	}
	var n int
	c.conn().QueryRow(context.Background(), `SELECT count(*) FROM pg_database WHERE datname = $1`,
		scratch).Scan(&n)
	if n != 0 {
		t.Errorf("database %s is still there", scratch)
	}
}

// waitForDrillLoad waits until a drill of the cli's database loads
// record chunks into its scratch database, and returns that database.
func (c *cli) waitForDrillLoad(p *process) string {
	c.t.Helper()

	conn := c.conn()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		rows, _ := conn.Query(context.Background(), `SELECT datname FROM pg_stat_activity
			WHERE starts_with(datname, 'avrdata_drill_' ||
			        (SELECT oid FROM pg_database WHERE datname = current_database()) || '_')
			  AND state = 'active' AND query LIKE 'COPY "record_chunks"%'`)
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			c.t.Fatalf("read pg_stat_activity: %v", err)
		}
		if len(names) > 0 {
			return names[0]
		}
		select {
		case err := <-p.exited:
			c.t.Fatalf("the drill ended before it loaded chunks: %v: %s", err, p.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	c.t.Fatal("no drill ever loaded chunks")
	return ""
}

// waitForLockFree waits until no session holds avrdata's advisory lock
// name: PostgreSQL ends the sessions of a killed process once it notices.
func (c *cli) waitForLockFree(name string) {
	c.t.Helper()

	conn := c.conn()
	for range 1000 {
		var free bool
		err := conn.QueryRow(context.Background(), `SELECT pg_try_advisory_lock($1)`,
			pglock.Key(name)).Scan(&free)
		if err != nil {
			c.t.Fatal(err)
		}
		if free {
			conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, pglock.Key(name))
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatalf("lock %q still held 10 s after the kill", name)
}

// hasDecision reports whether a prune report has a line starting with
// action and id.
func hasDecision(report, action, id string) bool {
	for _, line := range strings.Split(report, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == action && f[1] == id {
			return true
		}
	}
	return false
}

// TestRestoreLeavesOut restores an older backup under a shorter retention:
// a call erased after it stays erased, records past retention are left
// out and counted, a held call's old record stays.
func TestRestoreLeavesOut(t *testing.T) {
	c := newCLI(t)
	place, _ := filePlace(t)
	old := time.Now().Add(-10 * 24 * time.Hour).UTC().Format(time.RFC3339)
	ids := map[string]string{}
	for call, flags := range map[string][]string{
		"erased": nil, "kept": nil,
		"expired": {"--created-at", old}, "held": {"--created-at", old},
	} {
		path := filepath.Join(t.TempDir(), "rec.wav")
		writeBytes(t, path, randomBytes(1<<20+7))
		args := append([]string{"put", "recording", "--call", call}, flags...)
		ids[call] = strings.TrimSpace(c.mustRun(append(args, path)...))
	}
	c.mustRun("hold", "held", "--reason", "court order 17")

	first := strings.TrimSpace(c.mustRun("backup", "--to", place.url))
	c.mustRun("erase", "--call", "erased")
	c.mustRun("backup", "--to", place.url) // writes the tombstone

	target := c.onDatabase(testenv.Postgres(t)).with("DATA_RETENTION_DAYS=5")
	rep := parseReport(t, target.mustRun("restore", "--from", place.url, "--backup", first,
		"--target-database-url", target.dbURL, "--verify", "--json"))
	if !rep.OK || rep.ExpiredRecords != 1 || rep.ErasedCalls != 1 || rep.Tombstones != 1 {
		t.Errorf("report: got %+v, want ok, 1 expired record, 1 erased call from 1 tombstone", rep)
	}

	for call, want := range map[string]int{"erased": 1, "expired": 1, "held": 0, "kept": 0} {
		if r := target.run(nil, "get", "recording", ids[call], "-o", os.DevNull); r.code != want {
			t.Errorf("get the %s call's recording after restore: got %v, want exit %d", call, r, want)
		}
	}
}
