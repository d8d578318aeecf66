package testenv

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres returns the URL of a new, empty PostgreSQL database that exists
// for the duration of t and is dropped by its cleanup.
//
// It skips t under -short (unless integration is required) and fails t when
// no server can be found or the database cannot be created.
func Postgres(t testing.TB) string {
	t.Helper()
	skipShort(t)

	admin, err := postgresServer()
	if err != nil {
		t.Fatalf("%v\n%s", err, howToProvide)
	}
	name := randomName("avrdata_test_")
	execSQL(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		execSQL(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})

	return withDatabase(t, admin, name)
}

// PostgresServer returns the URL of the server's maintenance database, for
// tests that create and drop databases of their own.
func PostgresServer(t testing.TB) string {
	t.Helper()
	skipShort(t)

	admin, err := postgresServer()
	if err != nil {
		t.Fatalf("%v\n%s", err, howToProvide)
	}
	return admin
}

var pgServer = sync.OnceValues(func() (string, error) {
	if u := os.Getenv(EnvDatabaseURL); u != "" {
		return u, nil
	}
	if dockerAnswers() {
		return startPostgresContainer()
	}
	return "", fmt.Errorf("no PostgreSQL: %s is not set and no Docker engine answers", EnvDatabaseURL)
})

func postgresServer() (string, error) {
	return pgServer()
}

// execSQL runs one statement on the database at dbURL.
func execSQL(t testing.TB, dbURL, sql string) {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v\n%s", err, howToProvide)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// withDatabase returns dbURL with its database name replaced by name.
func withDatabase(t testing.TB, dbURL, name string) string {
	t.Helper()

	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	u.Path = "/" + name
	return u.String()
}
