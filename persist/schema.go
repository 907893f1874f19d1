package persist

import (
	"context"
	"fmt"
)

// migrations holds the schema, one entry per version: the database's
// PRAGMA user_version is the number of entries applied. Append new
// versions; never edit an applied one.
var migrations = []string{
	// 1: the public audit tables (SPEC section 8) and the internal tables.
	`
CREATE TABLE connection_attempts (
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,           -- Unix milliseconds
	endpoint TEXT    NOT NULL,
	ip       TEXT    NOT NULL,           -- the IP key's address text
	user     TEXT,                       -- NULL when anonymous
	success  INTEGER NOT NULL CHECK (success IN (0, 1)),
	reason   TEXT    NOT NULL
);
-- Only the time is indexed: every query has a time bound (replay, audit
-- --since, top, cleanup) and scans that range. An index keyed by ip or user
-- receives rows in random key order, so each batch dirties a page per row:
-- measured 29 us of CPU a row instead of 2.4 with 65536 distinct IPs.
CREATE INDEX connection_attempts_at ON connection_attempts (at);

CREATE TABLE ws_tokens (
	token_hash TEXT    PRIMARY KEY,      -- lowercase hex of SHA-256 of the token
	user       TEXT    NOT NULL,
	session    TEXT,                     -- NULL when not bound to a session
	endpoint   TEXT,                     -- NULL when valid on any endpoint
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER                   -- NULL until used
) WITHOUT ROWID;
CREATE INDEX ws_tokens_created_at ON ws_tokens (created_at);
CREATE INDEX ws_tokens_expires_at ON ws_tokens (expires_at) WHERE used_at IS NULL;

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT    NOT NULL UNIQUE,
	password_hash TEXT    NOT NULL,      -- PHC string: $argon2id$v=19$m=...,t=...,p=...$salt$hash
	created_at    INTEGER NOT NULL
);

CREATE TABLE api_keys (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL UNIQUE,
	key_hash   TEXT    NOT NULL UNIQUE,  -- lowercase hex of SHA-256 of the key
	created_at INTEGER NOT NULL
);

-- A permission belongs to exactly one user or one API key.
CREATE TABLE permissions (
	user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
	api_key_id INTEGER REFERENCES api_keys (id) ON DELETE CASCADE,
	name       TEXT    NOT NULL,
	CHECK ((user_id IS NULL) <> (api_key_id IS NULL)),
	UNIQUE (user_id, name),
	UNIQUE (api_key_id, name)
);

CREATE TABLE sessions (
	id         TEXT    PRIMARY KEY,      -- lowercase hex of SHA-256 of the cookie secret
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
`,
}

// schemaVersion is the schema version this binary creates and understands.
var schemaVersion = len(migrations)

// migrate applies the missing migrations, each in its own transaction that
// re-reads the version, so that two processes opening a new file at once
// do not both apply it.
func (db *DB) migrate(ctx context.Context) error {
	for {
		done, err := db.migrateStep(ctx)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next migration, or reports done when the schema
// is current. A newer schema than the binary knows is an error.
func (db *DB) migrateStep(ctx context.Context) (done bool, err error) {
	var v int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, err
	}
	if err := checkVersion(v); err != nil || v == len(migrations) {
		return true, err
	}

	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, err
	}
	if err := checkVersion(v); err != nil || v == len(migrations) {
		return true, err
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", v+1, err)
	}
	// PRAGMA takes no parameters; v+1 is an integer we computed.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

// checkVersion refuses a schema written by a newer wsgate.
func checkVersion(v int) error {
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this wsgate understands (%d): "+
			"upgrade wsgate or choose another database", v, len(migrations))
	}
	return nil
}
