package persist

import (
	"context"
	"database/sql"
	"time"
)

// cleanupChunk is how many rows one cleanup transaction deletes: small
// enough that the journal writer waits a few milliseconds at most.
const cleanupChunk = 2000

// CleanupResult counts the rows a cleanup deleted (or, dry, would delete).
type CleanupResult struct {
	Tokens   int64
	Attempts int64
	Sessions int64 // expired sessions; only CleanupAged deletes them
}

// Cleanup deletes the tokens created strictly before tokensBefore and the
// attempts strictly before attemptsBefore; rows exactly at a cutoff stay.
// It deletes in short transactions of a few thousand rows, so it is safe
// while a server writes. With dryRun it only counts.
func (db *DB) Cleanup(ctx context.Context, tokensBefore, attemptsBefore time.Time, dryRun bool) (CleanupResult, error) {
	var r CleanupResult
	var err error
	r.Tokens, err = db.trim(ctx, "ws_tokens", "token_hash", "created_at", tokensBefore, dryRun)
	if err != nil {
		return r, db.fail("clean up tokens", err)
	}
	r.Attempts, err = db.trim(ctx, "connection_attempts", "id", "at", attemptsBefore, dryRun)
	if err != nil {
		return r, db.fail("clean up attempts", err)
	}
	return r, nil
}

// CleanupAged is the server's periodic cleanup, to be called on its
// interval: it deletes tokens created more than tokenAge before now,
// attempts older than attemptAge, and sessions expired at now.
func (db *DB) CleanupAged(ctx context.Context, now time.Time, tokenAge, attemptAge time.Duration) (CleanupResult, error) {
	r, err := db.Cleanup(ctx, now.Add(-tokenAge), now.Add(-attemptAge), false)
	if err != nil {
		return r, err
	}
	r.Sessions, err = db.trim(ctx, "sessions", "id", "expires_at", now, false)
	if err != nil {
		return r, db.fail("clean up sessions", err)
	}
	return r, nil
}

// trim deletes (or counts) the rows of table whose time column is before
// cutoff, a chunk per transaction. table, key and col are constants of
// this package, never user input.
func (db *DB) trim(ctx context.Context, table, key, col string, cutoff time.Time, dryRun bool) (int64, error) {
	ms := cutoff.UnixMilli()
	if dryRun {
		var n int64
		err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE `+col+` < ?`, ms).Scan(&n)
		return n, err
	}
	q := `DELETE FROM ` + table + ` WHERE ` + key + ` IN
		(SELECT ` + key + ` FROM ` + table + ` WHERE ` + col + ` < ? LIMIT ?)`
	var total int64
	for {
		n, err := execCount(ctx, db.sql, q, ms, cleanupChunk)
		total += n
		if err != nil || n < cleanupChunk {
			return total, err
		}
	}
}

// execCount runs a statement and returns the rows it changed.
func execCount(ctx context.Context, db *sql.DB, q string, args ...any) (int64, error) {
	res, err := db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
