// Package testenv gives integration tests the real services they run against:
// a PostgreSQL database and an S3 bucket, each fresh for the test that asks.
//
// Services are found in this order:
//
//  1. the endpoints named by AVRDATA_TEST_DATABASE_URL and
//     AVRDATA_TEST_S3_ENDPOINT (with AVRDATA_TEST_S3_ACCESS_KEY and
//     AVRDATA_TEST_S3_SECRET_KEY), as `scripts/services up` writes them;
//  2. containers started with testcontainers-go (PostgreSQL and MinIO) when a
//     Docker engine answers;
//  3. otherwise the test fails with a message that names both ways.
//
// `go test -short` skips integration tests, unless
// AVRDATA_REQUIRE_INTEGRATION=1 (set by `make test`), under which a test that
// cannot get its services always fails and never skips.
//
// Every database and bucket is created for one test and removed by its
// cleanup, so tests may run in parallel against one server.
package testenv
