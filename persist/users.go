package persist

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// User is an account that can log in and be issued tokens.
type User struct {
	Name      string
	Perms     []string // sorted
	CreatedAt time.Time
}

// AddUser creates a user with a password and permissions. It returns an
// error wrapping ErrExists when the name is taken, ErrInvalid for an empty
// password or a bad name.
func (db *DB) AddUser(ctx context.Context, name string, password []byte, perms []string) error {
	if err := checkName("user", name); err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	if err := checkNames("permission", perms); err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	if len(password) == 0 {
		return fmt.Errorf("add user %s: empty password: %w", name, ErrInvalid)
	}
	hash := hashPassword(password, db.password)

	err := db.insertHolder(ctx, "user_id", perms,
		`INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)`,
		name, hash, time.Now().UnixMilli())
	if err != nil {
		return db.fail("add user "+name, err)
	}
	return nil
}

// Authenticate checks name and password and returns the user. Unknown
// names and wrong passwords both return an error wrapping
// ErrBadCredentials, after the same amount of hashing work. A correct
// password stored under older hash parameters is rehashed with the current
// ones.
func (db *DB) Authenticate(ctx context.Context, name string, password []byte) (User, error) {
	// Made on the first call whatever the name, so that even the first
	// unknown name costs what a known one does.
	dummy := db.dummy()
	var hash string
	err := db.sql.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE name = ?`, name).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		checkPassword(dummy, password)
		return User{}, fmt.Errorf("authenticate %s: %w", name, ErrBadCredentials)
	}
	if err != nil {
		return User{}, db.fail("authenticate "+name, err)
	}
	ok, err := checkPassword(hash, password)
	if err != nil {
		return User{}, fmt.Errorf("authenticate %s: %w", name, err)
	}
	if !ok {
		return User{}, fmt.Errorf("authenticate %s: %w", name, ErrBadCredentials)
	}
	if p, _, _, _ := parseHash(hash); p != db.password {
		// Best effort: a failed upgrade leaves a working old hash.
		db.SetPassword(ctx, name, password)
	}
	return db.User(ctx, name)
}

// dummy returns a hash under the current parameters that no password
// matches in practice, for unknown names.
func (db *DB) dummy() string {
	db.dummyOnce.Do(func() {
		db.dummyHash = hashPassword([]byte("wsgate dummy password"), db.password)
	})
	return db.dummyHash
}

// User returns the named user, or an error wrapping ErrNotFound.
func (db *DB) User(ctx context.Context, name string) (User, error) {
	h, err := db.readHolder(ctx, "user_id", `SELECT id, name, created_at FROM users WHERE name = ?`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return User{}, db.fail("read user "+name, err)
	}
	return User(h), nil
}

// Users returns every user, sorted by name.
func (db *DB) Users(ctx context.Context) ([]User, error) {
	return listHolders[User](ctx, db, "list users", `
		SELECT u.name, u.created_at, p.name FROM users u
		LEFT JOIN permissions p ON p.user_id = u.id
		ORDER BY u.name, p.name`)
}

// RemoveUser deletes a user with its permissions and sessions. Its
// journaled attempts and tokens stay. Unknown names wrap ErrNotFound.
func (db *DB) RemoveUser(ctx context.Context, name string) error {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM users WHERE name = ?`, name)
	if err != nil {
		return db.fail("remove user "+name, err)
	}
	return affected(res, "remove user "+name)
}

// SetPassword replaces a user's password. Unknown names wrap ErrNotFound;
// an empty password wraps ErrInvalid.
func (db *DB) SetPassword(ctx context.Context, name string, password []byte) error {
	if len(password) == 0 {
		return fmt.Errorf("set password of %s: empty password: %w", name, ErrInvalid)
	}
	hash := hashPassword(password, db.password)
	res, err := db.sql.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE name = ?`, hash, name)
	if err != nil {
		return db.fail("set password of "+name, err)
	}
	return affected(res, "set password of "+name)
}

// ChangePerms adds and removes permissions of a user in one transaction and
// returns the user as it is afterwards. Adding a held permission or
// removing a missing one is not an error.
func (db *DB) ChangePerms(ctx context.Context, name string, add, remove []string) (User, error) {
	if err := checkNames("permission", add); err != nil {
		return User{}, fmt.Errorf("change permissions of %s: %w", name, err)
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE name = ?`, name).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := addPerms(ctx, tx, "user_id", id, add); err != nil {
			return err
		}
		for _, p := range remove {
			if _, err := tx.ExecContext(ctx, `DELETE FROM permissions WHERE user_id = ? AND name = ?`, id, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return User{}, db.fail("change permissions of "+name, err)
	}
	return db.User(ctx, name)
}

// inTx runs fn in a write transaction, committing when it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// affected turns "no row changed" into ErrNotFound.
func affected(res sql.Result, action string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", action, ErrNotFound)
	}
	return nil
}
