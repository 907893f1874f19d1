package persist

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
)

// TokenRow is one issued token, for the server's warm start.
type TokenRow struct {
	Hash      [32]byte
	User      string
	Session   string // "" when not bound to a session
	Endpoint  string // "" when valid on any endpoint
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ValidTokens calls fn for every token that expires after now and has not
// been used, streaming the rows. An error from fn stops and is returned.
func (db *DB) ValidTokens(ctx context.Context, now time.Time, fn func(TokenRow) error) error {
	return db.eachToken(ctx, "read valid tokens", `
		SELECT token_hash, user, coalesce(session, ''), coalesce(endpoint, ''), created_at, expires_at
		FROM ws_tokens WHERE expires_at > ? AND used_at IS NULL ORDER BY created_at`,
		now.UnixMilli(), fn)
}

// IssuedTokens calls fn for every token created after since, used or not,
// oldest first, so that a restarted server can rebuild its per-user issue
// budgets. An error from fn stops and is returned.
func (db *DB) IssuedTokens(ctx context.Context, since time.Time, fn func(TokenRow) error) error {
	return db.eachToken(ctx, "read issued tokens", `
		SELECT token_hash, user, coalesce(session, ''), coalesce(endpoint, ''), created_at, expires_at
		FROM ws_tokens WHERE created_at > ? ORDER BY created_at`,
		since.UnixMilli(), fn)
}

// eachToken streams the ws_tokens rows of query to fn; action names the
// read in errors.
func (db *DB) eachToken(ctx context.Context, action, query string, arg int64, fn func(TokenRow) error) error {
	rows, err := db.sql.QueryContext(ctx, query, arg)
	if err != nil {
		return db.fail(action, err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return db.fail(action, err)
		}
		if err := fn(t); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return db.fail(action, err)
	}
	return nil
}

// scanToken reads one ws_tokens row; a malformed hash is an error.
func scanToken(rows *sql.Rows) (TokenRow, error) {
	var t TokenRow
	var hash string
	var created, expires int64
	if err := rows.Scan(&hash, &t.User, &t.Session, &t.Endpoint, &created, &expires); err != nil {
		return t, err
	}
	t.CreatedAt, t.ExpiresAt = time.UnixMilli(created), time.UnixMilli(expires)
	if len(hash) != hex.EncodedLen(len(t.Hash)) {
		return t, fmt.Errorf("token hash %q: %w", hash, hex.ErrLength)
	}
	_, err := hex.Decode(t.Hash[:], []byte(hash))
	return t, err
}
