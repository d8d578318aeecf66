package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/crypto"
)

// defaultMaxConns is the pool size unless DATABASE_URL sets pool_max_conns:
// each recording being read or written holds a connection.
const defaultMaxConns = 16

// DefaultRetentionDays is the retention period when Options leaves it zero.
const DefaultRetentionDays = 30

// Options configure a Store.
type Options struct {
	// RetentionDays is the retention period in force: a record expires
	// this many days after its created_at. Zero means DefaultRetentionDays.
	RetentionDays int

	// Actor names who acts, in audit events: "cli:alice", "daemon".
	Actor string

	// Logger receives the store's own log lines (slow or failed
	// background work); nil discards them.
	Logger *slog.Logger

	// Events, when set, is called with every audit event the store writes,
	// after it is committed (for security logs and metrics).
	Events func(Event)
}

// Store is the encrypted call-data store. It is safe for concurrent use.
type Store struct {
	pool      *pgxpool.Pool
	ownPool   bool
	keys      *crypto.Keyring
	retention time.Duration
	actor     string
	log       *slog.Logger
	events    func(Event)

	// plaintext stores records unencrypted; only benchmarks set it, to
	// measure what encryption costs on the same code path.
	plaintext bool
}

// Open connects to the database at databaseURL and opens the store on it,
// as New does. Close releases the connections.
//
// It returns an error wrapping ErrConnect when the database does not answer
// (the message never contains the password).
func Open(ctx context.Context, databaseURL string, root crypto.RootKey, opts Options) (*Store, error) {
	pool, err := Connect(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	s, err := New(ctx, pool, root, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.ownPool = true
	return s, nil
}

// Connect opens a connection pool to databaseURL and checks that the
// database answers. Errors wrap ErrConnect and never contain the password.
func Connect(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// pgx's parse errors redact the password.
		return nil, withHint(fmt.Errorf("%w: DATABASE_URL: %v", ErrConnect, err),
			"DATABASE_URL must be a PostgreSQL URL such as postgres://user:pass@host:5432/db")
	}
	if !strings.Contains(databaseURL, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConnect, redactErr(err))
	}

	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, withHint(fmt.Errorf("%w at %s: %v", ErrConnect, where(cfg), redactErr(err)),
			"check DATABASE_URL and that PostgreSQL is running and reachable")
	}
	return pool, nil
}

// where names the server of cfg without credentials.
func where(cfg *pgxpool.Config) string {
	return fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
}

// redactErr keeps what a connection error says about the server and drops
// anything that could hold credentials.
func redactErr(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Errorf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return errors.Unwrap(connErr)
	}
	return err
}

// New opens the store on an existing pool, which the caller keeps and closes
// after Close. The schema must be migrated (ErrNotMigrated otherwise); the
// keysets are created on first use. A wrong root key is refused with an
// error wrapping crypto.ErrWrongKey, and nothing is written then.
func New(ctx context.Context, pool *pgxpool.Pool, root crypto.RootKey, opts Options) (*Store, error) {
	if err := checkSchema(ctx, pool); err != nil {
		return nil, err
	}
	keys, err := crypto.Open(ctx, root, keysetStore{db: pool})
	if err != nil {
		return nil, fmt.Errorf("open keys: %w", err)
	}

	s := &Store{
		pool:      pool,
		keys:      keys,
		retention: retentionOf(opts.RetentionDays),
		actor:     opts.Actor,
		log:       opts.Logger,
		events:    opts.Events,
	}
	if s.actor == "" {
		s.actor = "library"
	}
	if s.log == nil {
		s.log = discardLogger()
	}
	return s, s.recordRetention(ctx, opts.RetentionDays)
}

func retentionOf(days int) time.Duration {
	if days <= 0 {
		days = DefaultRetentionDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// Close releases the store's connections if Open made them.
func (s *Store) Close() {
	if s.ownPool {
		s.pool.Close()
	}
}

// Pool returns the store's connection pool, for packages that keep their
// own tables beside the store's (backups) and for advisory locks.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Keys returns the store's keyring.
func (s *Store) Keys() *crypto.Keyring { return s.keys }

// Retention returns the retention period in force.
func (s *Store) Retention() time.Duration { return s.retention }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
