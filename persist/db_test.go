package persist

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenCreatesWALAndMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	db := openAt(t, path)
	var mode string
	var version int
	db.sql.QueryRow("PRAGMA journal_mode").Scan(&mode)
	db.sql.QueryRow("PRAGMA user_version").Scan(&version)
	if mode != "wal" || version != schemaVersion {
		t.Errorf("got journal_mode %q, user_version %d; want wal, %d", mode, version, schemaVersion)
	}
	for _, table := range []string{"connection_attempts", "ws_tokens", "users", "permissions", "sessions", "api_keys"} {
		if count(t, db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", table) != 1 {
			t.Errorf("table %s missing", table)
		}
	}
	db.Close()

	// Reopening an up-to-date file changes nothing.
	db = openAt(t, path)
	db.sql.QueryRow("PRAGMA user_version").Scan(&version)
	if version != schemaVersion {
		t.Errorf("reopened: got user_version %d, want %d", version, schemaVersion)
	}
	if db.Path() != path {
		t.Errorf("Path: got %q, want %q", db.Path(), path)
	}
}

func TestPublicColumns(t *testing.T) {
	db := openTest(t)
	for table, want := range map[string]string{
		"connection_attempts": "id,at,endpoint,ip,user,success,reason",
		"ws_tokens":           "token_hash,user,session,endpoint,created_at,expires_at,used_at",
	} {
		rows, err := db.sql.Query("SELECT name FROM pragma_table_info(?) ORDER BY cid", table)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c string
			rows.Scan(&c)
			cols = append(cols, c)
		}
		rows.Close()
		if got := strings.Join(cols, ","); got != want {
			t.Errorf("%s: got columns %s, want %s", table, got, want)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "future.db")
	db := openAt(t, path)
	db.sql.Exec("PRAGMA user_version = 999")
	db.Close()
	_, err := Open(context.Background(), path, nil)
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v, want a refusal naming the file and the newer schema", err)
	}
}

func TestOpenBadPaths(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte(strings.Repeat("this is not a database\n", 200)), 0o644)
	readOnly := filepath.Join(dir, "ro.db")
	openAt(t, readOnly).Close()
	os.Chmod(readOnly, 0o444)

	tests := []struct {
		name, path, want string
	}{
		{"missing directory", filepath.Join(dir, "nope", "wsgate.db"), "does not exist"},
		{"directory", dir, "is a directory"},
		{"not sqlite", notDB, "not an SQLite database"},
		{"read-only", readOnly, "read-only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), tt.path, nil)
			if err == nil {
				db.Close()
				t.Fatal("got nil error")
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.Contains(msg, tt.want) || !strings.Contains(msg, tt.path) || strings.Contains(msg, "\n") {
				t.Errorf("got %q, want one line naming %s and saying %q", msg, tt.path, tt.want)
			}
		})
	}
}

// TestOpenLocked holds an exclusive lock on the file (as a process in
// exclusive locking mode would) and checks that Open gives up after the
// busy timeout with an error naming the file.
func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	holder := openAt(t, path)
	conn, err := holder.sql.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"PRAGMA locking_mode = EXCLUSIVE", "BEGIN IMMEDIATE",
		"INSERT INTO users (name, password_hash, created_at) VALUES ('x', 'x', 0)", "COMMIT"} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	_, err = Open(context.Background(), path, &Options{BusyTimeout: 50 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "locked") || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v, want a lock error naming %s", err, path)
	}
}

// TestWriteLocked checks that a write waiting longer than the busy timeout
// fails with an error that names the file and says what to do.
func TestWriteLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	openAt(t, path)
	db, err := Open(context.Background(), path, &Options{BusyTimeout: 50 * time.Millisecond, Password: &cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	holder := openAt(t, path)
	lockWrites(t, holder)
	_, err = db.CreateAPIKey(context.Background(), "ci", nil)
	if err == nil || !strings.Contains(err.Error(), "locked") || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v, want a lock error naming %s", err, path)
	}
}

func TestSizeBytes(t *testing.T) {
	db := openTest(t)
	before, err := db.SizeBytes(context.Background())
	if err != nil || before <= 0 {
		t.Fatalf("got %d, %v; want a positive size", before, err)
	}
	fill(t, db, 5000, 1)
	after, _ := db.SizeBytes(context.Background())
	if after <= before {
		t.Errorf("got %d bytes after 5000 rows, want more than %d", after, before)
	}
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "race.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := Open(context.Background(), path, nil)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("Open: %v", err)
		}
	}
	db := openAt(t, path)
	if n := count(t, db, "PRAGMA user_version"); n != int64(schemaVersion) {
		t.Errorf("got user_version %d, want %d", n, schemaVersion)
	}
}
