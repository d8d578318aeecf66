-- The store: calls, their records (recordings and transcripts, as encrypted
-- chunks), sealed keysets, settings, erasure tombstones and audit events.
-- PostgreSQL sees only ciphertext, ids, sizes and times.

-- +goose Up

-- The key check value lets startup tell a wrong ENCRYPTION_KEY from damaged
-- data. One row.
CREATE TABLE key_check (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    value      bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Tink keysets, each encrypted under the key-encryption key with its purpose
-- as associated data.
CREATE TABLE keysets (
    purpose    text PRIMARY KEY,
    sealed     bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Settings the store keeps, such as the retention period in force.
CREATE TABLE settings (
    name       text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A call, keyed by the AVR call UUID (or Asterisk's UNIQUEID). Its metadata
-- (caller, callee, ...) and hold reason are sealed; caller_index is a keyed
-- blind index of the caller number so erasure can find a caller's calls.
CREATE TABLE calls (
    id              text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,128}$'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    caller_index    bytea,
    meta            bytea,
    meta_key        bytea,
    held            boolean NOT NULL DEFAULT false,
    hold_reason     bytea,
    hold_reason_key bytea,
    held_at         timestamptz
);
CREATE INDEX calls_caller_index ON calls (caller_index) WHERE caller_index IS NOT NULL;

-- A record: a recording or a transcript of a call. wrapped_key is the
-- record's data key, wrapped by the record keyset with the record's kind and
-- id as associated data. A record row exists only once its put committed.
CREATE TABLE records (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('recording', 'transcript')),
    call_id      text NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    content_type text NOT NULL,
    size         bigint NOT NULL CHECK (size >= 0),
    chunks       integer NOT NULL CHECK (chunks >= 0),
    wrapped_key  bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    stored_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX records_created_at ON records (created_at, id);
CREATE INDEX records_call_id ON records (call_id);

-- Ciphertext in rows of about 1 MiB (a PostgreSQL value holds at most 1 GB).
-- It does not compress, so PostgreSQL is told not to try.
CREATE TABLE record_chunks (
    record_id uuid NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    seq       integer NOT NULL CHECK (seq >= 0),
    data      bytea NOT NULL,
    PRIMARY KEY (record_id, seq)
);
ALTER TABLE record_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Tombstones of erased calls, so that a restore from an older backup can
-- erase them again.
CREATE TABLE erasures (
    call_id   text PRIMARY KEY,
    erased_at timestamptz NOT NULL DEFAULT now()
);

-- Append-only audit trail: ids, counts, actor and outcome; never content or
-- phone numbers.
CREATE TABLE audit_events (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    action    text NOT NULL,
    actor     text NOT NULL,
    outcome   text NOT NULL,
    call_id   text,
    record_id uuid,
    count     bigint,
    detail    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at ON audit_events (at);

-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE erasures;
DROP TABLE record_chunks;
DROP TABLE records;
DROP TABLE calls;
DROP TABLE settings;
DROP TABLE keysets;
DROP TABLE key_check;
