package persist

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// cheap are password costs that keep tests fast, race detector included.
var cheap = PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}

// openTest opens a fresh database in the test's temporary directory and
// closes it when the test ends.
func openTest(t testing.TB) *DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "wsgate.db"))
}

// openAt opens the database at path with test options.
func openAt(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, &Options{BusyTimeout: 5 * time.Second, Password: &cheap})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// count returns the result of a count query.
func count(t testing.TB, db *DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.sql.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// fill inserts n rejected attempts from 10.0.0.1 at first, first+1, ...
// milliseconds, straight into the table.
func fill(t testing.TB, db *DB, n int, first int64) {
	t.Helper()
	_, err := db.sql.Exec(`WITH RECURSIVE s(v) AS (SELECT ? UNION ALL SELECT v + 1 FROM s WHERE v < ?)
		INSERT INTO connection_attempts (at, endpoint, ip, success, reason)
		SELECT v, '/e', '10.0.0.1', 0, 'rate_limited_ip' FROM s`, first, first+int64(n)-1)
	if err != nil {
		t.Fatal(err)
	}
}
