// Package integration holds the end-to-end tests of avrdata: the library and
// the avrdata command run against a real PostgreSQL server and a real S3
// server, provided as package testenv describes.
//
// Run them with "make test", which starts local services and stops them, or
// with "go test ./integration/..." once the AVRDATA_TEST_* variables are set.
// "go test -short" skips them.
package integration
