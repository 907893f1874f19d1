package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wsgate/wsgate/persist"
)

func TestAPIKeyCommands(t *testing.T) {
	path := tempDB(t)
	r := dbcmd(t, "", "apikey", "create", "deploy", "--perm", "admin", "--database", path)
	r.want(t, 0)
	key := strings.TrimSpace(r.out)
	if !strings.HasPrefix(key, persist.APIKeyPrefix) || strings.Contains(key, "\n") {
		t.Fatalf("got %q on stdout, want only the key", r.out)
	}
	if !strings.Contains(r.err, "cannot be shown again") {
		t.Errorf("got %q on stderr, want a warning that the key is shown once", r.err)
	}

	db := openForTest(t, path)
	k, err := db.LookupAPIKey(context.Background(), key)
	if err != nil || k.Name != "deploy" || !slices.Equal(k.Perms, []string{"admin"}) {
		t.Fatalf("LookupAPIKey: got %+v, %v", k, err)
	}

	r = dbcmd(t, "", "apikey", "list", "--database", path)
	r.want(t, 0)
	if !strings.Contains(r.out, "deploy") || !strings.Contains(r.out, "admin") || strings.Contains(r.out, key) {
		t.Errorf("apikey list: got %q, want the name and permissions, never the key", r.out)
	}

	dbcmd(t, "", "apikey", "create", "deploy", "--database", path).want(t, 1, "already exists")
	dbcmd(t, "", "apikey", "revoke", "deploy", "--database", path).want(t, 0)
	if _, err := db.LookupAPIKey(context.Background(), key); !errors.Is(err, persist.ErrNotFound) {
		t.Errorf("revoked key: got %v, want not found", err)
	}
	dbcmd(t, "", "apikey", "revoke", "deploy", "--database", path).want(t, 1, "no API key")
	dbcmd(t, "", "apikey", "create", "--database", path).want(t, 2, "NAME")
	dbcmd(t, "", "apikey", "rotate").want(t, 2, "unknown subcommand")
	dbcmd(t, "", "apikey").want(t, 2, "missing subcommand")
}
