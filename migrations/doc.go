// Package migrations holds the PostgreSQL schema of avrdata as goose SQL
// migrations, embedded in the binary.
//
// # Compatibility
//
// Migrations are append-only: a released migration is never edited, and
// every migration has a Down section so that "goose down" works for
// development. The store refuses to open a database whose schema is older
// (run "avrdata migrate") or newer (upgrade avrdata) than the binary's.
package migrations

import "embed"

// FS holds the migrations, named NNNNN_name.sql, at its root.
//
//go:embed *.sql
var FS embed.FS
