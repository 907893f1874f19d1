package e2e

import (
	"database/sql"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver wsgate itself uses
)

// metric reads one sample from /metrics: the series name with exactly the
// given label text (e.g. `scope="ip"`, or "" for a series without
// labels). It fails the test when the series is missing.
func (g *gateway) metric(t *testing.T, name, labels string) float64 {
	t.Helper()
	series := name
	if labels != "" {
		series += "{" + labels + "}"
	}
	for _, line := range strings.Split(g.metricsText(t), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == series {
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				t.Fatalf("parse %s: %v", line, err)
			}
			return v
		}
	}
	t.Fatalf("no series %s in /metrics", series)
	return 0
}

// metricsText returns the body of /metrics.
func (g *gateway) metricsText(t *testing.T) string {
	t.Helper()
	resp, err := g.client.Get(g.url("/metrics"))
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: got %d (%v), want 200", resp.StatusCode, err)
	}
	return string(b)
}

// openDB opens the gateway's SQLite file with the sqlite3 driver. While
// the server runs it reads beside it (WAL allows that).
func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// attemptRow is one row of connection_attempts.
type attemptRow struct {
	endpoint, ip, reason string
	success              bool
}

// waitAttempts polls connection_attempts until it holds at least n rows
// (the journal commits in batches) and returns them, oldest first.
func waitAttempts(t *testing.T, dbPath string, n int) []attemptRow {
	t.Helper()
	db := openDB(t, dbPath)
	defer db.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		rows, err := readAttempts(db)
		if err == nil && len(rows) >= n {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("connection_attempts: got %d rows (%v), want at least %d", len(rows), err, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func readAttempts(db *sql.DB) ([]attemptRow, error) {
	rs, err := db.Query(`SELECT endpoint, ip, reason, success FROM connection_attempts ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []attemptRow
	for rs.Next() {
		var r attemptRow
		if err := rs.Scan(&r.endpoint, &r.ip, &r.reason, &r.success); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// pollCount polls a "SELECT count(*) ..." query until it reaches n.
func pollCount(t *testing.T, db *sql.DB, n int, query string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got int
		err := db.QueryRow(query, args...).Scan(&got)
		if err == nil && got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got %d (%v), want at least %d", query, got, err, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
