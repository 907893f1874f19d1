package persist

import (
	"context"
	"database/sql"
	"slices"
	"time"
)

// Users and API keys are both holders of permissions: a name, a creation
// time, and rows of the permissions table that point at them through an
// owner column. This file keeps what the two share.

// holder is the shape User and APIKey share; both convert to and from it.
type holder struct {
	Name      string
	Perms     []string
	CreatedAt time.Time
}

// holderType is satisfied by User and APIKey, whose underlying type is
// holder's, so that listHolders can return either.
type holderType interface {
	~struct {
		Name      string
		Perms     []string
		CreatedAt time.Time
	}
}

// insertHolder runs insert, which adds one user or API key, and grants the
// new row perms, in one transaction. A taken name is ErrExists.
func (db *DB) insertHolder(ctx context.Context, col owner, perms []string,
	insert string, args ...any) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, insert, args...)
		if isConstraintUnique(err) {
			return ErrExists
		}
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		return addPerms(ctx, tx, col, id, perms)
	})
}

// readHolder reads the one user or API key that query selects as id, name
// and created_at, with its permissions. No such row is sql.ErrNoRows.
func (db *DB) readHolder(ctx context.Context, col owner, query string, arg any) (holder, error) {
	var h holder
	var id, created int64
	if err := db.sql.QueryRowContext(ctx, query, arg).Scan(&id, &h.Name, &created); err != nil {
		return holder{}, err
	}
	h.CreatedAt = time.UnixMilli(created)
	var err error
	if h.Perms, err = perms(ctx, db.sql, col, id); err != nil {
		return holder{}, err
	}
	return h, nil
}

// listHolders runs query, whose rows are a name, its created_at and one of
// its permissions (NULL for none), ordered by name and permission, and
// returns one T a name; action names the listing in errors.
func listHolders[T holderType](ctx context.Context, db *DB, action, query string) ([]T, error) {
	rows, err := db.sql.QueryContext(ctx, query)
	if err != nil {
		return nil, db.fail(action, err)
	}
	defer rows.Close()
	var list []holder
	for rows.Next() {
		var name string
		var created int64
		var perm sql.NullString
		if err := rows.Scan(&name, &created, &perm); err != nil {
			return nil, db.fail(action, err)
		}
		if len(list) == 0 || list[len(list)-1].Name != name {
			list = append(list, holder{Name: name, CreatedAt: time.UnixMilli(created)})
		}
		if perm.Valid {
			h := &list[len(list)-1]
			h.Perms = append(h.Perms, perm.String)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail(action, err)
	}

	var out []T // nil when there are none, as callers have always seen
	for _, h := range list {
		out = append(out, T(h))
	}
	return out, nil
}

// owner is the permissions column naming the holder: "user_id" or
// "api_key_id". It is always one of these constants, never user input.
type owner string

// addPerms grants perms to the user or API key id, ignoring ones held.
func addPerms(ctx context.Context, tx *sql.Tx, col owner, id int64, perms []string) error {
	q := `INSERT OR IGNORE INTO permissions (` + string(col) + `, name) VALUES (?, ?)`
	for _, p := range perms {
		if _, err := tx.ExecContext(ctx, q, id, p); err != nil {
			return err
		}
	}
	return nil
}

// queryer is what perms needs from a *sql.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// perms returns the sorted permissions of the user or API key id.
func perms(ctx context.Context, q queryer, col owner, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM permissions WHERE `+string(col)+` = ? ORDER BY name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return slices.Clip(out), rows.Err()
}
