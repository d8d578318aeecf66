package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/user"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

// Variables every store command needs.
var storeVariables = []string{"DATABASE_URL", "ENCRYPTION_KEY", "DATA_RETENTION_DAYS",
	"LOG_LEVEL", "LOG_FORMAT", "LOG_SECURITY"}

// config reads the environment once per invocation.
func (a *app) config() *Config {
	if a.cfg == nil {
		a.cfg = loadConfig(a.getenv)
	}
	return a.cfg
}

// rootKey loads ENCRYPTION_KEY (or _FILE). A missing or bad key is a
// configuration problem, reported with the other ones by Validate.
func (a *app) rootKey(variable string, required bool) (crypto.RootKey, bool) {
	key, found, err := crypto.LoadRootKey(a.getenv, a.readFile, variable)
	switch {
	case err != nil:
		a.config().addProblem(variable, problemText(variable, err))
	case !found && required:
		a.config().addProblem(variable, "not set; set "+variable+" or "+variable+
			`_FILE to a 32-byte base64 key ("avrdata keygen" makes one)`)
	}
	return key, found && err == nil
}

// problemText is err without a leading "VARIABLE: ", which Problem adds;
// a problem of VARIABLE_FILE names it.
func problemText(variable string, err error) string {
	var ke *crypto.KeyError
	if errors.As(err, &ke) {
		msg := ke.Problem
		if ke.Variable != variable {
			msg = "from " + ke.Variable + ": " + msg // the _FILE variable
		}
		if ke.Hint != "" {
			msg += "; " + ke.Hint
		}
		return msg
	}
	return err.Error()
}

// openStore validates the store's configuration and opens the store, as
// actor "cli:USER". The caller closes it.
func (a *app) openStore(ctx context.Context) (*store.Store, error) {
	cfg := a.config()
	key, _ := a.rootKey("ENCRYPTION_KEY", true)
	if err := cfg.Validate(storeVariables...); err != nil {
		return nil, err
	}

	s, err := store.Open(ctx, cfg.DatabaseURL, key, store.Options{
		RetentionDays: cfg.RetentionDays,
		Actor:         a.actor(),
		Logger:        a.logger(),
		Events:        a.securityLog(),
	})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return s, nil
}

// connect validates DATABASE_URL and the log variables, and the other
// variables given, and opens a connection pool for commands that work on
// the database without the store's keys (migrations, root key rotation).
// The caller closes it.
func (a *app) connect(ctx context.Context, variables ...string) (*pgxpool.Pool, error) {
	cfg := a.config()
	vars := append([]string{"DATABASE_URL", "LOG_LEVEL", "LOG_FORMAT", "LOG_SECURITY"}, variables...)
	if err := cfg.Validate(vars...); err != nil {
		return nil, err
	}
	return store.Connect(ctx, cfg.DatabaseURL)
}

// actor names the person running the command, for audit events.
func (a *app) actor() string {
	if a.actorName != "" {
		return a.actorName
	}
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return "cli:" + name
}

// logger returns the logger LOG_LEVEL and LOG_FORMAT ask for, on stderr.
func (a *app) logger() *slog.Logger {
	if a.log != nil {
		return a.log
	}
	cfg := a.config()
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(a.stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(a.stderr, opts)
	}
	a.log = slog.New(h)
	return a.log
}

// securityLog returns the audit-event hook that LOG_SECURITY=true asks
// for: security events in the log as well as the audit table.
func (a *app) securityLog() func(store.Event) {
	if !a.config().LogSecurity {
		return nil
	}
	log := a.logger().With("component", "security")
	return func(e store.Event) {
		if e.Action == "read" || e.Action == "put" {
			log.Debug("audit", eventAttrs(e)...)
			return
		}
		log.Info("audit", eventAttrs(e)...)
	}
}

func eventAttrs(e store.Event) []any {
	attrs := []any{"action", e.Action, "actor", e.Actor, "outcome", e.Outcome}
	if e.CallID != "" {
		attrs = append(attrs, "call", e.CallID)
	}
	if e.RecordID != "" {
		attrs = append(attrs, "record", e.RecordID)
	}
	if e.Count != 0 {
		attrs = append(attrs, "count", e.Count)
	}
	return attrs
}
