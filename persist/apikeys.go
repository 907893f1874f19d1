package persist

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// APIKeyPrefix starts every API key, so that a key pasted in the wrong
// place is recognisable (and findable by secret scanners).
const APIKeyPrefix = "wsg_"

// APIKey is a named credential for machines: the admin API and token
// issuing on behalf of users.
type APIKey struct {
	Name      string
	Perms     []string // sorted
	CreatedAt time.Time
}

// CreateAPIKey creates a key named name with perms and returns it: the
// prefix and 32 random bytes in unpadded base64url. Only its SHA-256 is
// stored, so this is the one time it can be shown. A taken name wraps
// ErrExists.
func (db *DB) CreateAPIKey(ctx context.Context, name string, perms []string) (string, error) {
	if err := checkName("API key", name); err != nil {
		return "", fmt.Errorf("create API key: %w", err)
	}
	if err := checkNames("permission", perms); err != nil {
		return "", fmt.Errorf("create API key: %w", err)
	}
	raw := make([]byte, 32)
	rand.Read(raw) // never fails: crypto/rand panics rather than return short
	key := APIKeyPrefix + base64.RawURLEncoding.EncodeToString(raw)

	err := db.insertHolder(ctx, "api_key_id", perms,
		`INSERT INTO api_keys (name, key_hash, created_at) VALUES (?, ?, ?)`,
		name, keyHash(key), time.Now().UnixMilli())
	if err != nil {
		return "", db.fail("create API key "+name, err)
	}
	return key, nil
}

// LookupAPIKey returns the key's name and permissions. An unknown or
// revoked key wraps ErrNotFound.
func (db *DB) LookupAPIKey(ctx context.Context, key string) (APIKey, error) {
	h, err := db.readHolder(ctx, "api_key_id",
		`SELECT id, name, created_at FROM api_keys WHERE key_hash = ?`, keyHash(key))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, fmt.Errorf("API key: %w", ErrNotFound)
	}
	if err != nil {
		return APIKey{}, db.fail("look up API key", err)
	}
	return APIKey(h), nil
}

// APIKeys returns every key's name and permissions, sorted by name.
func (db *DB) APIKeys(ctx context.Context) ([]APIKey, error) {
	return listHolders[APIKey](ctx, db, "list API keys", `
		SELECT k.name, k.created_at, p.name FROM api_keys k
		LEFT JOIN permissions p ON p.api_key_id = k.id
		ORDER BY k.name, p.name`)
}

// RevokeAPIKey deletes the named key; it stops working at once. Unknown
// names wrap ErrNotFound.
func (db *DB) RevokeAPIKey(ctx context.Context, name string) error {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM api_keys WHERE name = ?`, name)
	if err != nil {
		return db.fail("revoke API key "+name, err)
	}
	return affected(res, "revoke API key "+name)
}

// keyHash is the stored form of an API key.
func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
