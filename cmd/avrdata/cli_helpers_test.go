package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/integration/testenv"
)

// result is what one run of avrdata did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
}

// runWith runs avrdata in-process with environment env and stdin.
func runWith(t *testing.T, env map[string]string, stdin io.Reader, args ...string) result {
	t.Helper()

	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var stdout, stderr bytes.Buffer
	getenv := func(name string) string { return env[name] }
	code := newApp(stdin, &stdout, &stderr, getenv).run(context.Background(), args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// mustRun runs avrdata and fails t unless it exits 0; it returns stdout.
func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()

	r := runWith(t, env, nil, args...)
	if r.code != exitOK {
		t.Fatalf("avrdata %s: got %v, want exit 0", strings.Join(args, " "), r)
	}
	return r.stdout
}

// storeEnv returns the environment of the store commands on a fresh,
// migrated database, with a new ENCRYPTION_KEY.
func storeEnv(t *testing.T) map[string]string {
	t.Helper()

	env := map[string]string{"DATABASE_URL": testenv.Postgres(t), "ENCRYPTION_KEY": newKey(t)}
	mustRun(t, env, "migrate")
	return env
}

// withEnv returns a copy of env with the given NAME, value pairs set.
func withEnv(env map[string]string, pairs ...string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		out[pairs[i]] = pairs[i+1]
	}
	return out
}

func newKey(t *testing.T) string {
	t.Helper()

	key, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// writeFile writes data to name in dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()

	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// putFile stores data as a record of kind for call and returns its id.
func putFile(t *testing.T, env map[string]string, kind, call string, data []byte,
	flags ...string) string {
	t.Helper()

	path := writeFile(t, t.TempDir(), "content", data)
	args := append([]string{"put", kind, "--call", call}, flags...)
	return strings.TrimSpace(mustRun(t, env, append(args, path)...))
}

// getBytes reads record id of kind through "get" to stdout.
func getBytes(t *testing.T, env map[string]string, kind, id string) []byte {
	t.Helper()

	return []byte(mustRun(t, env, "get", kind, id))
}

// execSQL runs a statement that must change rows on the database of env.
func execSQL(t *testing.T, env map[string]string, sql string, args ...any) {
	t.Helper()

	conn := connectDB(t, env)
	tag, err := conn.Exec(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if tag.RowsAffected() == 0 {
		t.Fatalf("%s: changed no row", sql)
	}
}

func connectDB(t *testing.T, env map[string]string) *pgx.Conn {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, env["DATABASE_URL"])
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// flipByte changes one byte of chunk seq of record id.
func flipByte(t *testing.T, env map[string]string, id string, seq int) {
	t.Helper()

	execSQL(t, env, `UPDATE record_chunks SET data = set_byte(data, 100, get_byte(data, 100) # 1)
		WHERE record_id = $1 AND seq = $2`, id, seq)
}

// tableDigests returns, for every table of the database of env, its row
// count and a digest of its rows: any write changes one of them.
func tableDigests(t *testing.T, env map[string]string) map[string]string {
	t.Helper()

	ctx := context.Background()
	conn := connectDB(t, env)
	rows, _ := conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}

	digests := map[string]string{}
	for _, table := range tables {
		var n int64
		var sum string
		err := conn.QueryRow(ctx, `SELECT count(*),
			coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '')
			FROM `+pgx.Identifier{table}.Sanitize()+` t`).Scan(&n, &sum)
		if err != nil {
			t.Fatalf("digest %s: %v", table, err)
		}
		digests[table] = fmt.Sprintf("%d rows, md5 %s", n, sum)
	}
	return digests
}

// compareDigests reports every table whose digest changed.
func compareDigests(t *testing.T, what string, before, after map[string]string) {
	t.Helper()

	for table, want := range before {
		if got := after[table]; got != want {
			t.Errorf("%s: table %s changed: got %s, want %s", what, table, got, want)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%s: got %d tables, want %d", what, len(after), len(before))
	}
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

func readFile(t *testing.T, path string) []byte {
	t.Helper()

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
