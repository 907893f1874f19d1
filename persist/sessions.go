package persist

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Session is a logged-in browser. The cookie holds a random secret; the
// database holds only its hash, the ID.
type Session struct {
	ID        string // lowercase hex of SHA-256 of the secret, as ws_tokens.session stores it
	User      User
	ExpiresAt time.Time
}

// SessionID returns the ID of the session whose cookie holds secret,
// without a database lookup.
func SessionID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session of user lasting ttl and returns the
// secret for the cookie (64 hex characters from 32 random bytes). An
// unknown user wraps ErrNotFound.
func (db *DB) CreateSession(ctx context.Context, user string, ttl time.Duration) (string, Session, error) {
	u, err := db.User(ctx, user)
	if err != nil {
		return "", Session{}, fmt.Errorf("create session: %w", err)
	}
	secret := randomHex(32)
	now := time.Now()
	s := Session{ID: SessionID(secret), User: u, ExpiresAt: now.Add(ttl)}
	res, err := db.sql.ExecContext(ctx, `
		INSERT INTO sessions (id, user_id, created_at, expires_at)
		SELECT ?, id, ?, ? FROM users WHERE name = ?`,
		s.ID, now.UnixMilli(), s.ExpiresAt.UnixMilli(), user)
	if err != nil {
		return "", Session{}, db.fail("create session of "+user, err)
	}
	// The user may have been removed since it was read.
	if err := affected(res, "create session of "+user); err != nil {
		return "", Session{}, err
	}
	return secret, s, nil
}

// Session returns the session whose cookie holds secret, with its user's
// current permissions. Unknown and expired sessions wrap ErrNotFound.
func (db *DB) Session(ctx context.Context, secret string, now time.Time) (Session, error) {
	s := Session{ID: SessionID(secret)}
	var name string
	var expires int64
	err := db.sql.QueryRowContext(ctx, `
		SELECT u.name, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id = ? AND s.expires_at > ?`, s.ID, now.UnixMilli()).Scan(&name, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, db.fail("read session", err)
	}
	s.ExpiresAt = time.UnixMilli(expires)
	if s.User, err = db.User(ctx, name); err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	return s, nil
}

// DeleteSession ends the session whose cookie holds secret. Deleting an
// unknown session is not an error: logging out twice is fine.
func (db *DB) DeleteSession(ctx context.Context, secret string) error {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, SessionID(secret)); err != nil {
		return db.fail("delete session", err)
	}
	return nil
}

// randomHex returns n bytes from the operating system's CSPRNG as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails: crypto/rand panics rather than return short
	return hex.EncodeToString(b)
}
