package main

import (
	"context"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/wsgate/wsgate/persist"
)

// openForTest opens the database a command wrote, to check its effect.
func openForTest(t *testing.T, path string) *persist.DB {
	t.Helper()
	db, err := persist.Open(context.Background(), path, &dbOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestUserCommands(t *testing.T) {
	path := tempDB(t)
	ctx := context.Background()
	dbcmd(t, "first line\nsecond line\n", "user", "add", "alice", "--perm", "admin", "--perm", "publish",
		"--database", path).want(t, 0)
	dbcmd(t, "pw", "user", "add", "--database", path, "bob").want(t, 0) // no final newline, flags first

	db := openForTest(t, path)
	u, err := db.Authenticate(ctx, "alice", []byte("first line"))
	if err != nil || !slices.Equal(u.Perms, []string{"admin", "publish"}) {
		t.Fatalf("alice: got %+v, %v; want the first line as password and two permissions", u, err)
	}
	if _, err := db.Authenticate(ctx, "bob", []byte("pw")); err != nil {
		t.Fatalf("bob: %v", err)
	}

	r := dbcmd(t, "", "user", "list", "--database", path)
	r.want(t, 0)
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "alice") || !strings.Contains(lines[1], "admin,publish") ||
		!strings.HasPrefix(lines[2], "bob") {
		t.Fatalf("user list: got\n%s", r.out)
	}
	if strings.Index(lines[0], "PERMISSIONS") != strings.Index(lines[1], "admin") {
		t.Errorf("user list columns are not aligned:\n%s", r.out)
	}

	dbcmd(t, "new\n", "user", "passwd", "bob", "--database", path).want(t, 0)
	if _, err := db.Authenticate(ctx, "bob", []byte("new")); err != nil {
		t.Errorf("bob after passwd: %v", err)
	}

	r = dbcmd(t, "", "user", "perm", "alice", "-admin", "+read", "--database", path)
	r.want(t, 0)
	if strings.TrimSpace(r.out) != "alice: publish,read" {
		t.Errorf("user perm: got %q", r.out)
	}

	dbcmd(t, "", "user", "remove", "bob", "--database", path).want(t, 0)
	if _, err := db.User(ctx, "bob"); !errors.Is(err, persist.ErrNotFound) {
		t.Errorf("bob after remove: got %v, want not found", err)
	}
}

func TestUserCommandErrors(t *testing.T) {
	path := tempDB(t)
	dbcmd(t, "pw\n", "user", "add", "alice", "--database", path).want(t, 0)
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"existing name", "pw\n", []string{"add", "alice"}, 1, "already exists"},
		{"empty password", "\nsecond\n", []string{"add", "bob"}, 2, "empty password"},
		{"no input", "", []string{"add", "bob"}, 2, "no password"},
		{"missing name", "pw\n", []string{"add"}, 2, "NAME"},
		{"two names", "pw\n", []string{"add", "a", "b"}, 2, "NAME"},
		{"bad name", "pw\n", []string{"add", "a,b"}, 2, "a,b"},
		{"remove unknown", "", []string{"remove", "nobody"}, 1, "no user \"nobody\""},
		{"passwd unknown", "pw\n", []string{"passwd", "nobody"}, 1, "no user \"nobody\""},
		{"passwd empty", "\n", []string{"passwd", "alice"}, 2, "empty password"},
		{"perm unknown user", "", []string{"perm", "nobody", "+x"}, 1, "no user"},
		{"perm no change", "", []string{"perm", "alice"}, 2, "no changes"},
		{"perm bad change", "", []string{"perm", "alice", "x"}, 2, "+PERMISSION"},
		{"no subcommand", "", nil, 2, "missing subcommand"},
		{"unknown subcommand", "", []string{"rename"}, 2, "unknown subcommand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"user"}, tt.args...)
			if len(tt.args) > 0 {
				args = append(args, "--database", path)
			}
			dbcmd(t, tt.stdin, args...).want(t, tt.code, tt.want)
		})
	}
}

func TestSplitPermArgs(t *testing.T) {
	tests := []struct {
		args           []string
		flags, changes []string
	}{
		{[]string{"alice", "+a", "-b"}, []string{"alice", "+a"}, []string{"-b"}},
		{[]string{"--database", "x.db", "alice", "-b"}, []string{"--database", "x.db", "alice"}, []string{"-b"}},
		{[]string{"--database=x.db", "alice", "--b"}, []string{"--database=x.db", "alice"}, []string{"--b"}},
		{[]string{"alice", "--", "-database", "+x"}, []string{"alice"}, []string{"-database", "+x"}},
		{[]string{"-h"}, []string{"-h"}, nil},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		addDBFlags(fs)
		flags, changes := splitPermArgs(fs, tt.args)
		if !slices.Equal(flags, tt.flags) || !slices.Equal(changes, tt.changes) {
			t.Errorf("splitPermArgs(%q): got %q, %q; want %q, %q", tt.args, flags, changes, tt.flags, tt.changes)
		}
	}
}
