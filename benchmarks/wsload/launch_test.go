package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeWsgate writes a shell script standing in for the wsgate binary.
func fakeWsgate(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "wsgate")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func testLauncher(t *testing.T, wsgate string) *launcher {
	t.Helper()
	o, err := parseArgs([]string{"--token-workers=2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return &launcher{opts: o, dir: t.TempDir(), wsgate: wsgate}
}

// TestStartWsgateReportsItsOutput checks that a wsgate that refuses its
// configuration fails the trial with its own words, at once.
func TestStartWsgateReportsItsOutput(t *testing.T) {
	l := testLauncher(t, fakeWsgate(t, `echo "wsgate: config $3:4: bad key" >&2; exit 1`))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := l.start(ctx, targetWsgate, &scenario{name: "handshake"})
	if err == nil || !strings.Contains(err.Error(), "bad key") || !strings.Contains(err.Error(), "wsgate.toml") {
		t.Fatalf("got %v, want the server's message naming its config", err)
	}
}

// TestMakeUsersFailure checks that a failing "user add" is reported with
// its output.
func TestMakeUsersFailure(t *testing.T) {
	l := testLauncher(t, fakeWsgate(t, `echo "user: database locked" >&2; exit 1`))
	err := l.copyUsers(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err == nil || !strings.Contains(err.Error(), "database locked") {
		t.Fatalf("got %v, want the command's message", err)
	}
}

// TestMakeUsersOnce checks that the users are added once, each with the
// password on standard input, and copied for every trial.
func TestMakeUsersOnce(t *testing.T) {
	calls := filepath.Join(t.TempDir(), "calls")
	// The fake appends its arguments and standard input to calls, and
	// writes the database named in the config it is given.
	script := `read pw; echo "$@ $pw" >> ` + calls + `
db=$(sed -n 's/^database = "\(.*\)"$/\1/p' "$5"); echo users >> "$db"`
	l := testLauncher(t, fakeWsgate(t, script))
	for range 2 {
		db := filepath.Join(t.TempDir(), "wsgate.db")
		if err := l.copyUsers(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(db); err != nil || string(b) != "users\nusers\n" {
			t.Fatalf("copied database: got %q, %v; want the users' database", b, err)
		}
	}
	b, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "user add wsload-1 --config ") ||
		!strings.HasSuffix(lines[1], benchPassword) {
		t.Errorf("got calls %q, want two user adds with the password", lines)
	}
}

func TestRoundOrder(t *testing.T) {
	for round, want := range []string{targetWsgate, targetBaseline, targetWsgate} {
		if got := roundOrder(round)[0]; got != want {
			t.Errorf("round %d: got %s first, want %s", round, got, want)
		}
	}
}

func TestOutcomes(t *testing.T) {
	var o outcomes
	o.add(outcomes{byStatus: map[int]int64{101: 3}, errors: 1, firstErr: io.EOF})
	o.add(outcomes{byStatus: map[int]int64{101: 2, 429: 5}})
	if got := o.total(); got != 11 {
		t.Errorf("total: got %d, want 11", got)
	}
	if got, want := o.String(), "101: 5, 429: 5, errors: 1 (EOF)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
