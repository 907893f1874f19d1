package persist

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// AttemptRow is one row of connection_attempts. Its JSON form has the
// table's columns: {"id", "at" (Unix ms), "endpoint", "ip", "user" (null
// when anonymous), "success" (a boolean), "reason"}; the admin API and
// "wsgate audit --json" both print it.
type AttemptRow struct {
	ID       int64
	At       time.Time
	Endpoint string
	IP       string
	User     string // "" when anonymous
	Success  bool
	Reason   string
}

// attemptJSON is AttemptRow's wire form.
type attemptJSON struct {
	ID       int64   `json:"id"`
	At       int64   `json:"at"`
	Endpoint string  `json:"endpoint"`
	IP       string  `json:"ip"`
	User     *string `json:"user"`
	Success  bool    `json:"success"`
	Reason   string  `json:"reason"`
}

// MarshalJSON writes the row with the columns of connection_attempts.
func (r AttemptRow) MarshalJSON() ([]byte, error) {
	w := attemptJSON{ID: r.ID, At: r.At.UnixMilli(), Endpoint: r.Endpoint, IP: r.IP,
		Success: r.Success, Reason: r.Reason}
	if r.User != "" {
		w.User = &r.User
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (r *AttemptRow) UnmarshalJSON(b []byte) error {
	var w attemptJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = AttemptRow{ID: w.ID, At: time.UnixMilli(w.At), Endpoint: w.Endpoint, IP: w.IP,
		Success: w.Success, Reason: w.Reason}
	if w.User != nil {
		r.User = *w.User
	}
	return nil
}

const attemptColumns = `id, at, endpoint, ip, coalesce(user, ''), success, reason`

// scanAttempt reads one row selected with attemptColumns.
func scanAttempt(rows *sql.Rows) (AttemptRow, error) {
	var r AttemptRow
	var at int64
	err := rows.Scan(&r.ID, &at, &r.Endpoint, &r.IP, &r.User, &r.Success, &r.Reason)
	r.At = time.UnixMilli(at)
	return r, err
}

// ReplayAttempts calls fn for every attempt at or after since, oldest
// first, streaming rows rather than loading them: the server's warm start.
// An error from fn stops the replay and is returned.
func (db *DB) ReplayAttempts(ctx context.Context, since time.Time, fn func(AttemptRow) error) error {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+attemptColumns+` FROM connection_attempts
		WHERE at >= ? ORDER BY at, id`, since.UnixMilli())
	if err != nil {
		return db.fail("replay attempts", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanAttempt(rows)
		if err != nil {
			return db.fail("replay attempts", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return db.fail("replay attempts", err)
	}
	return nil
}

// AttemptFilter selects attempts for [DB.Attempts]. Zero fields select
// everything. Only the time is indexed (see the schema), so IP and user
// filters read the rows since Since: keep it set on a large journal.
type AttemptFilter struct {
	IP           string    // exact IP key text, as journaled
	User         string    // exact user name
	Since        time.Time // at or after; zero: all time
	RejectedOnly bool
	Limit        int // default 100
}

// Attempts returns the attempts matching f, newest first.
func (db *DB) Attempts(ctx context.Context, f AttemptFilter) ([]AttemptRow, error) {
	var where []string
	var args []any
	if f.IP != "" {
		where, args = append(where, "ip = ?"), append(args, f.IP)
	}
	if f.User != "" {
		where, args = append(where, "user = ?"), append(args, f.User)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, f.Since.UnixMilli())
	}
	if f.RejectedOnly {
		where = append(where, "success = 0")
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT ` + attemptColumns + ` FROM connection_attempts`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ?`

	rows, err := db.sql.QueryContext(ctx, q, append(args, f.Limit)...)
	if err != nil {
		return nil, db.fail("list attempts", err)
	}
	defer rows.Close()
	out := []AttemptRow{}
	for rows.Next() {
		r, err := scanAttempt(rows)
		if err != nil {
			return nil, db.fail("list attempts", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("list attempts", err)
	}
	return out, nil
}

// KeyCount is a key (an IP text or a user name) with a number of attempts.
type KeyCount struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

// TopRejected returns the keys with the most rejected attempts at or after
// since, most first (ties by key), at most limit (default 10). by is "ip"
// or "user"; anonymous attempts have no user and do not count for "user".
func (db *DB) TopRejected(ctx context.Context, by string, since time.Time, limit int) ([]KeyCount, error) {
	var col string
	switch by {
	case "ip":
		col = "ip"
	case "user":
		col = "user"
	default:
		return nil, fmt.Errorf("top rejected: by %q: want ip or user: %w", by, ErrInvalid)
	}
	if limit <= 0 {
		limit = 10
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+col+`, count(*) AS n FROM connection_attempts
		WHERE at >= ? AND success = 0 AND `+col+` IS NOT NULL
		GROUP BY `+col+` ORDER BY n DESC, `+col+` LIMIT ?`, since.UnixMilli(), limit)
	if err != nil {
		return nil, db.fail("top rejected", err)
	}
	defer rows.Close()
	out := []KeyCount{}
	for rows.Next() {
		var k KeyCount
		if err := rows.Scan(&k.Key, &k.Count); err != nil {
			return nil, db.fail("top rejected", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("top rejected", err)
	}
	return out, nil
}
