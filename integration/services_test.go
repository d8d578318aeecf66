package integration

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/avrdata/avrdata/integration/testenv"
)

// TestPostgresRoundTrip writes a row to the test database and reads it back.
func TestPostgresRoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)

	_, err = conn.Exec(ctx, `CREATE TABLE probe (id int PRIMARY KEY, body bytea NOT NULL)`)
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	want := []byte("a row written by the harness test")
	if _, err := conn.Exec(ctx, `INSERT INTO probe VALUES (1, $1)`, want); err != nil {
		t.Fatalf("insert: %v", err)
	}

	var got []byte
	if err := conn.QueryRow(ctx, `SELECT body FROM probe WHERE id = 1`).Scan(&got); err != nil {
		t.Fatalf("select: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestS3RoundTrip puts an object in a fresh bucket and gets it back.
func TestS3RoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := testenv.S3(t)
	client := b.Client()
	key, want := "probe/object", []byte("an object written by the harness test")

	_, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &b.Bucket, Key: &key, Body: bytes.NewReader(want),
	})
	if err != nil {
		t.Fatalf("put object: %v", err)
	}
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.Bucket, Key: &key})
	if err != nil {
		t.Fatalf("get object: %v", err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read object: %v", err)
	}

	if !bytes.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
