package persist

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestAPIKeyRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	key, err := db.CreateAPIKey(ctx, "deploy", []string{"admin", "issue"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, APIKeyPrefix) || len(key) != len(APIKeyPrefix)+43 {
		t.Fatalf("got key %q, want %s and 43 base64url characters", key, APIKeyPrefix)
	}
	if n := count(t, db, "SELECT count(*) FROM api_keys WHERE key_hash = ? OR name = ?", key, key); n != 0 {
		t.Error("the key itself is stored")
	}
	other, _ := db.CreateAPIKey(ctx, "ci", nil)
	if other == key {
		t.Error("two keys are equal")
	}

	k, err := db.LookupAPIKey(ctx, key)
	if err != nil || k.Name != "deploy" || !slices.Equal(k.Perms, []string{"admin", "issue"}) {
		t.Fatalf("LookupAPIKey: got %+v, %v", k, err)
	}
	keys, err := db.APIKeys(ctx)
	if err != nil || len(keys) != 2 || keys[0].Name != "ci" || keys[1].Name != "deploy" || len(keys[1].Perms) != 2 {
		t.Fatalf("APIKeys: got %+v, %v", keys, err)
	}

	if _, err := db.CreateAPIKey(ctx, "deploy", nil); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate name: got %v, want ErrExists", err)
	}
	if _, err := db.LookupAPIKey(ctx, key+"x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("wrong key: got %v, want ErrNotFound", err)
	}
	if err := db.RevokeAPIKey(ctx, "deploy"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LookupAPIKey(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked key: got %v, want ErrNotFound", err)
	}
	if err := db.RevokeAPIKey(ctx, "deploy"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second revoke: got %v, want ErrNotFound", err)
	}
	if n := count(t, db, "SELECT count(*) FROM permissions WHERE api_key_id IS NOT NULL"); n != 0 {
		t.Errorf("got %d permissions of revoked keys, want 0", n)
	}
}

// TestPermissionsAreSeparate checks that a user and an API key with the
// same name and permissions do not share rows.
func TestPermissionsAreSeparate(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	db.AddUser(ctx, "ops", []byte("pw"), []string{"admin"})
	key, _ := db.CreateAPIKey(ctx, "ops", []string{"admin"})
	db.ChangePerms(ctx, "ops", nil, []string{"admin"})
	k, err := db.LookupAPIKey(ctx, key)
	if err != nil || !slices.Equal(k.Perms, []string{"admin"}) {
		t.Errorf("got %+v, %v; want the key to keep admin", k, err)
	}
}
