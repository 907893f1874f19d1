package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/wsgate/wsgate/persist"
)

// seedOld journals, relative to now, one attempt and one token at each of
// the given ages.
func seedOld(t *testing.T, path string, now time.Time, ages ...time.Duration) {
	t.Helper()
	db := openForTest(t, path)
	j := persist.NewJournal(db, nil)
	for i, age := range ages {
		at := now.Add(-age)
		j.Attempt(persist.Attempt{At: at, Endpoint: "/ws/echo", IP: netip.MustParseAddr("192.0.2.1"), Reason: "ok"})
		j.TokenIssued(persist.TokenIssue{Hash: sha256.Sum256([]byte{byte(i)}), User: "u", CreatedAt: at, ExpiresAt: at})
	}
	if err := j.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestCleanupCommand(t *testing.T) {
	path := tempDB(t)
	day := 24 * time.Hour
	seedOld(t, path, time.Now(), time.Minute, 10*time.Minute, 2*day, 8*day)

	r := dbcmd(t, "", "cleanup", "--dry-run", "--database", path)
	r.want(t, 0)
	if !strings.Contains(r.out, "would delete 3 tokens") || !strings.Contains(r.out, "would delete 1 attempt records") {
		t.Errorf("dry run: got %q", r.out)
	}
	r = dbcmd(t, "", "cleanup", "--token-age=3600", "--rate-limit-age=1", "--database", path)
	r.want(t, 0)
	if !strings.Contains(r.out, "deleted 2 tokens") || !strings.Contains(r.out, "deleted 2 attempt records") {
		t.Errorf("got %q, want 2 tokens and 2 attempts", r.out)
	}
	r = dbcmd(t, "", "cleanup", "--database", path)
	if !strings.Contains(r.out, "deleted 1 tokens") || !strings.Contains(r.out, "deleted 0 attempt records") {
		t.Errorf("second run: got %q", r.out)
	}
}

func TestCleanupRefusesNonPositiveAges(t *testing.T) {
	path := tempDB(t)
	seedOld(t, path, time.Now(), time.Minute)
	for _, args := range [][]string{
		{"--token-age=0"}, {"--token-age=-5"}, {"--rate-limit-age=0"}, {"--rate-limit-age=-1"},
	} {
		dbcmd(t, "", append([]string{"cleanup", "--database", path}, args...)...).want(t, 2, "--force")
	}
	dbcmd(t, "", "cleanup", "extra", "--database", path).want(t, 2)

	r := dbcmd(t, "", "cleanup", "--token-age=0", "--rate-limit-age=0", "--force", "--database", path)
	r.want(t, 0)
	if !strings.Contains(r.out, "deleted 1 tokens") || !strings.Contains(r.out, "deleted 1 attempt records") {
		t.Errorf("--force: got %q", r.out)
	}
}

func TestCleanupAgesFromConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wsgate.db")
	cfg := filepath.Join(dir, "wsgate.toml")
	os.WriteFile(cfg, []byte("database = "+strconvQuote(path)+"\n[cleanup]\ntoken_age = \"1h\"\nrate_limit_age = \"2h\"\n"), 0o644)
	seedOld(t, path, time.Now(), 30*time.Minute, 90*time.Minute, 3*time.Hour)
	r := dbcmd(t, "", "cleanup", "--config", cfg)
	r.want(t, 0)
	if !strings.Contains(r.out, "deleted 2 tokens") || !strings.Contains(r.out, "deleted 1 attempt records") {
		t.Errorf("got %q, want the file's ages: 2 tokens, 1 attempt", r.out)
	}
}

// TestCommandsOnLockedDatabase holds the write lock as a busy server
// would, longer than --busy-timeout: writes fail with one line naming the
// file, reads still work (WAL).
func TestCommandsOnLockedDatabase(t *testing.T) {
	path := tempDB(t)
	seedOld(t, path, time.Now(), 10*24*time.Hour)
	holder, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")

	for _, args := range [][]string{
		{"cleanup"}, {"apikey", "create", "ci"}, {"user", "remove", "x"},
	} {
		args = append(args, "--database", path, "--busy-timeout", "100ms")
		dbcmd(t, "", args...).want(t, 1, path, "locked", "retry")
	}
	dbcmd(t, "", "audit", "--since", "0", "--database", path, "--busy-timeout", "100ms").want(t, 0)
}
