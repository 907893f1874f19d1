package persist

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestUserRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.AddUser(ctx, "alice", []byte("s3cret"), []string{"publish", "admin"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddUser(ctx, "bob", []byte("hunter2"), nil); err != nil {
		t.Fatal(err)
	}
	u, err := db.User(ctx, "alice")
	if err != nil || u.Name != "alice" || !slices.Equal(u.Perms, []string{"admin", "publish"}) ||
		time.Since(u.CreatedAt) > time.Minute {
		t.Fatalf("User: got %+v, %v; want alice with admin, publish, created now", u, err)
	}
	users, err := db.Users(ctx)
	if err != nil || len(users) != 2 || users[0].Name != "alice" || users[1].Name != "bob" ||
		len(users[1].Perms) != 0 || len(users[0].Perms) != 2 {
		t.Fatalf("Users: got %+v, %v", users, err)
	}

	u, err = db.ChangePerms(ctx, "bob", []string{"publish", "read"}, []string{"missing"})
	if err != nil || !slices.Equal(u.Perms, []string{"publish", "read"}) {
		t.Fatalf("ChangePerms add: got %+v, %v", u, err)
	}
	u, err = db.ChangePerms(ctx, "bob", []string{"publish"}, []string{"read"})
	if err != nil || !slices.Equal(u.Perms, []string{"publish"}) {
		t.Fatalf("ChangePerms remove: got %+v, %v", u, err)
	}

	if err := db.RemoveUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.User(ctx, "alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("User after RemoveUser: got %v, want ErrNotFound", err)
	}
	if n := count(t, db, "SELECT count(*) FROM permissions WHERE user_id NOT IN (SELECT id FROM users)"); n != 0 {
		t.Errorf("got %d orphan permissions, want 0", n)
	}
}

func TestUserErrors(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.AddUser(ctx, "alice", []byte("pw"), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"existing name", db.AddUser(ctx, "alice", []byte("pw"), nil), ErrExists},
		{"empty password", db.AddUser(ctx, "carol", nil, nil), ErrInvalid},
		{"empty name", db.AddUser(ctx, "", []byte("pw"), nil), ErrInvalid},
		{"name with space", db.AddUser(ctx, "a b", []byte("pw"), nil), ErrInvalid},
		{"name like a flag", db.AddUser(ctx, "-x", []byte("pw"), nil), ErrInvalid},
		{"long name", db.AddUser(ctx, strings.Repeat("a", 65), []byte("pw"), nil), ErrInvalid},
		{"bad permission", db.AddUser(ctx, "dave", []byte("pw"), []string{"a,b"}), ErrInvalid},
		{"remove unknown", db.RemoveUser(ctx, "nobody"), ErrNotFound},
		{"passwd unknown", db.SetPassword(ctx, "nobody", []byte("x")), ErrNotFound},
		{"passwd empty", db.SetPassword(ctx, "alice", nil), ErrInvalid},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if _, err := db.ChangePerms(ctx, "nobody", []string{"x"}, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("ChangePerms unknown: got %v, want ErrNotFound", err)
	}
}

func TestAuthenticate(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	db.AddUser(ctx, "alice", []byte("correct horse"), []string{"admin"})

	u, err := db.Authenticate(ctx, "alice", []byte("correct horse"))
	if err != nil || u.Name != "alice" || !slices.Equal(u.Perms, []string{"admin"}) {
		t.Fatalf("got %+v, %v; want alice with admin", u, err)
	}
	for _, tt := range []struct{ name, password string }{
		{"alice", "wrong"}, {"alice", ""}, {"nobody", "correct horse"},
	} {
		if _, err := db.Authenticate(ctx, tt.name, []byte(tt.password)); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("Authenticate(%s, %q): got %v, want ErrBadCredentials", tt.name, tt.password, err)
		}
	}

	if err := db.SetPassword(ctx, "alice", []byte("battery staple")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "alice", []byte("correct horse")); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("old password: got %v, want ErrBadCredentials", err)
	}
	if _, err := db.Authenticate(ctx, "alice", []byte("battery staple")); err != nil {
		t.Errorf("new password: %v", err)
	}
}

// TestAuthenticateUpgradesHash checks that a hash made with other
// parameters still verifies and is rewritten with the current ones.
func TestAuthenticateUpgradesHash(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	old := PasswordParams{Time: 2, MemoryKiB: 32, Threads: 1}
	hash := hashPassword([]byte("pw"), old)
	db.sql.Exec(`INSERT INTO users (name, password_hash, created_at) VALUES ('old', ?, 0)`, hash)
	if _, err := db.Authenticate(ctx, "old", []byte("pw")); err != nil {
		t.Fatal(err)
	}
	var stored string
	db.sql.QueryRow(`SELECT password_hash FROM users WHERE name = 'old'`).Scan(&stored)
	p, _, _, err := parseHash(stored)
	if err != nil || p != cheap {
		t.Errorf("got parameters %+v, %v; want %+v", p, err, cheap)
	}
}

// TestUnknownUserCostsAHash checks that Authenticate hashes for unknown
// names too, by counting calls rather than timing: the dummy hash exists
// after the first unknown name.
func TestUnknownUserCostsAHash(t *testing.T) {
	db := openTest(t)
	db.Authenticate(context.Background(), "nobody", []byte("pw"))
	if db.dummyHash == "" {
		t.Fatal("no dummy hash was computed for an unknown name")
	}
	p, _, _, err := parseHash(db.dummyHash)
	if err != nil || p != cheap {
		t.Errorf("dummy hash parameters: got %+v, %v; want the current %+v", p, err, cheap)
	}
}

func TestPasswordHash(t *testing.T) {
	a := hashPassword([]byte("pw"), cheap)
	b := hashPassword([]byte("pw"), cheap)
	if a == b {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if !strings.HasPrefix(a, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("got %q, want a PHC argon2id string with its parameters", a)
	}
	for _, tt := range []struct {
		password string
		want     bool
	}{{"pw", true}, {"pW", false}, {"", false}} {
		if got, err := checkPassword(a, []byte(tt.password)); got != tt.want || err != nil {
			t.Errorf("check %q: got %v, %v; want %v", tt.password, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=64,t=0,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5", "$argon2id$v=18$m=64,t=1,p=1$c2FsdA$a2V5"} {
		if _, err := checkPassword(bad, []byte("pw")); err == nil {
			t.Errorf("check against %q: got nil error", bad)
		}
	}
}
