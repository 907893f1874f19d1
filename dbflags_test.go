package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsgate/wsgate/persist"
)

func init() {
	// Cheap password hashing keeps the command tests fast under -race.
	dbOptions.Password = &persist.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}
}

// result is what one command run printed and its exit code.
type result struct {
	out, err string
	code     int
}

// dbcmd runs the command line args with stdin and returns what it printed
// and the exit code main would use.
func dbcmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &stdio{in: strings.NewReader(stdin), out: &out, err: &errb})
	code := exitCode(err, &errb)
	return result{out: out.String(), err: errb.String(), code: code}
}

// want fails unless r exited with code and its error output contains every
// one of wantErr, on one line.
func (r result) want(t *testing.T, code int, wantErr ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("got exit %d, want %d; stdout %q, stderr %q", r.code, code, r.out, r.err)
	}
	for _, w := range wantErr {
		if !strings.Contains(r.err, w) {
			t.Errorf("stderr %q does not contain %q", r.err, w)
		}
	}
	if code != 0 && strings.Count(strings.TrimSpace(r.err), "\n") != 0 {
		t.Errorf("stderr is not one line: %q", r.err)
	}
}

// tempDB returns a database path in a fresh directory.
func tempDB(t *testing.T) string {
	return filepath.Join(t.TempDir(), "wsgate.db")
}

func TestDatabaseFromConfig(t *testing.T) {
	dir := t.TempDir()
	fromConfig := filepath.Join(dir, "from-config.db")
	cfg := filepath.Join(dir, "wsgate.toml")
	os.WriteFile(cfg, []byte("database = "+strconvQuote(fromConfig)+"\n"), 0o644)

	dbcmd(t, "pw\n", "user", "add", "alice", "--config", cfg).want(t, 0)
	if _, err := os.Stat(fromConfig); err != nil {
		t.Fatalf("the config file's database was not created: %v", err)
	}
	// --database wins over the file.
	explicit := filepath.Join(dir, "explicit.db")
	dbcmd(t, "pw\n", "user", "add", "bob", "--config", cfg, "--database", explicit).want(t, 0)
	r := dbcmd(t, "", "user", "list", "--database", explicit)
	if !strings.Contains(r.out, "bob") || strings.Contains(r.out, "alice") {
		t.Errorf("got %q, want bob only", r.out)
	}
}

func TestDBFlagErrors(t *testing.T) {
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "bad.toml")
	os.WriteFile(badConfig, []byte("no_such_key = 1\n"), 0o644)
	dbcmd(t, "", "user", "list", "--config", filepath.Join(dir, "missing.toml")).want(t, 1, "missing.toml")
	dbcmd(t, "", "user", "list", "--config", badConfig).want(t, 1, "bad.toml")
	dbcmd(t, "", "user", "list", "--busy-timeout", "0s", "--database", tempDB(t)).want(t, 2, "busy-timeout")
	// The flag package prints the usage after its error: several lines.
	if r := dbcmd(t, "", "user", "list", "--no-such-flag"); r.code != 2 {
		t.Errorf("unknown flag: got exit %d, want 2", r.code)
	}
}

// TestBadDatabasePaths runs a command against each kind of unusable file:
// one line on standard error naming the file, exit 1.
func TestBadDatabasePaths(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, bytes.Repeat([]byte("not a database\n"), 100), 0o644)
	readOnly := filepath.Join(dir, "ro.db")
	dbcmd(t, "", "user", "list", "--database", readOnly).want(t, 0)
	os.Chmod(readOnly, 0o444)
	missing := filepath.Join(dir, "no", "such", "dir", "wsgate.db")

	tests := []struct{ name, path, want string }{
		{"missing directory", missing, "does not exist"},
		{"not sqlite", notDB, "not an SQLite database"},
		{"read-only", readOnly, "read-only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, args := range [][]string{
				{"user", "list"}, {"apikey", "list"}, {"audit"}, {"audit", "top"}, {"cleanup"},
			} {
				dbcmd(t, "", append(args, "--database", tt.path)...).want(t, 1, tt.path, tt.want)
			}
		})
	}
}

// strconvQuote quotes a path as a TOML basic string.
func strconvQuote(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}
