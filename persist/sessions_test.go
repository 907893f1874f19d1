package persist

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestSessionRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	db.AddUser(ctx, "alice", []byte("pw"), []string{"publish"})

	secret, s, err := db.CreateSession(ctx, "alice", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 64 || s.ID != SessionID(secret) || s.ID == secret || s.User.Name != "alice" {
		t.Fatalf("got secret %q, session %+v", secret, s)
	}
	if n := count(t, db, "SELECT count(*) FROM sessions WHERE id = ?", secret); n != 0 {
		t.Error("the secret itself is stored")
	}

	got, err := db.Session(ctx, secret, time.Now())
	if err != nil || got.ID != s.ID || got.User.Name != "alice" || !slices.Equal(got.User.Perms, []string{"publish"}) ||
		!got.ExpiresAt.Equal(s.ExpiresAt.Truncate(time.Millisecond)) {
		t.Fatalf("Session: got %+v, %v; want %+v", got, err, s)
	}
	// Permissions are read fresh, not frozen at login.
	db.ChangePerms(ctx, "alice", []string{"admin"}, nil)
	got, _ = db.Session(ctx, secret, time.Now())
	if !slices.Equal(got.User.Perms, []string{"admin", "publish"}) {
		t.Errorf("got perms %v after a change, want admin, publish", got.User.Perms)
	}

	for name, tt := range map[string]struct {
		secret string
		now    time.Time
	}{
		"expired":   {secret, s.ExpiresAt.Add(time.Millisecond)},
		"at expiry": {secret, s.ExpiresAt},
		"unknown":   {"nope", time.Now()},
	} {
		if _, err := db.Session(ctx, tt.secret, tt.now); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: got %v, want ErrNotFound", name, err)
		}
	}

	if err := db.DeleteSession(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Session(ctx, secret, time.Now()); !errors.Is(err, ErrNotFound) {
		t.Errorf("after DeleteSession: got %v, want ErrNotFound", err)
	}
	if err := db.DeleteSession(ctx, secret); err != nil {
		t.Errorf("second DeleteSession: %v", err)
	}
	if _, _, err := db.CreateSession(ctx, "nobody", time.Hour); !errors.Is(err, ErrNotFound) {
		t.Errorf("CreateSession for unknown user: got %v, want ErrNotFound", err)
	}
}

func TestRemoveUserEndsSessions(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	db.AddUser(ctx, "alice", []byte("pw"), nil)
	secret, _, _ := db.CreateSession(ctx, "alice", time.Hour)
	db.RemoveUser(ctx, "alice")
	if _, err := db.Session(ctx, secret, time.Now()); !errors.Is(err, ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
}
