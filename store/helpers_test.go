package store

import (
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/integration/testenv"
)

// testDB returns a pool on a fresh, migrated database.
func testDB(t testing.TB) *pgxpool.Pool {
	t.Helper()

	ctx := context.Background()
	pool, err := Connect(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(pool.Close)
	if _, err := Migrate(ctx, pool); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return pool
}

// testKey returns a random root key.
func testKey(t testing.TB) crypto.RootKey {
	t.Helper()

	s, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	k, err := crypto.ParseRootKey("ENCRYPTION_KEY", s)
	if err != nil {
		t.Fatalf("parse key: %v", err)
	}
	return k
}

// testStore returns a store on a fresh database, and its root key.
func testStore(t testing.TB) (*Store, crypto.RootKey) {
	t.Helper()

	key := testKey(t)
	s, err := New(context.Background(), testDB(t), key, Options{Actor: "test"})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return s, key
}

// content is a reproducible pseudo-random stream of n bytes.
func content(seed uint64, n int64) io.Reader {
	return io.LimitReader(&randReader{r: rand.New(rand.NewPCG(seed, seed))}, n)
}

type randReader struct{ r *rand.Rand }

func (r *randReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.r.Uint32())
	}
	return len(p), nil
}

// digest returns the SHA-256 of r, read to the end, and its length.
func digest(t testing.TB, r io.Reader) ([32]byte, int64, error) {
	t.Helper()

	h := sha256.New()
	n, err := io.Copy(h, r)
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, n, err
}

// putRecording stores n bytes of content(seed) and returns the record.
func putRecording(t testing.TB, s *Store, call string, seed uint64, n int64, opts PutOptions) Record {
	t.Helper()

	rec, err := s.PutRecording(context.Background(), call, content(seed, n), opts)
	if err != nil {
		t.Fatalf("put recording of %d bytes: %v", n, err)
	}
	return rec
}

// readAll reads record id whole.
func readAll(t testing.TB, s *Store, id string) ([]byte, error) {
	t.Helper()

	rc, _, err := s.Open(context.Background(), id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func daysAgo(n int) time.Time {
	return time.Now().Add(-time.Duration(n) * 24 * time.Hour)
}
