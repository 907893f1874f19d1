package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// TestPasswordGuessing: guessing a password is limited per user name from
// any address and per address across user names; the right password is
// refused too while the name is limited, and answers are the same for
// names that exist and names that do not.
func TestPasswordGuessing(t *testing.T) {
	cfg := baseConfig(t)
	cfg.TrustedProxies = []string{"127.0.0.1/32"}
	cfg.Login = &loginConf{MaxAttempts: 4, Window: "1h"}
	g := startGateway(t, cfg)
	g.cli("alice-password\n", "user", "add", "alice")

	// One name from a new address each time: limited after four.
	for i := 1; i <= 6; i++ {
		st, code := g.tryLogin(t, fmt.Sprintf("198.51.100.%d", i), "alice", "guess")
		want := http.StatusUnauthorized
		if i > 4 {
			want = http.StatusTooManyRequests
		}
		if st != want {
			t.Fatalf("guess %d for alice from a fresh address: got %d %q, want %d", i, st, code, want)
		}
	}
	st, _ := g.tryLogin(t, "198.51.100.99", "alice", "alice-password")
	if st != http.StatusTooManyRequests {
		t.Errorf("right password while alice is limited: got %d, want 429", st)
	}

	// One address over many names, known or not: limited after four.
	for i := 1; i <= 6; i++ {
		name := fmt.Sprintf("nobody%d", i)
		st, code := g.tryLogin(t, "203.0.113.50", name, "guess")
		want := http.StatusUnauthorized
		if i > 4 {
			want = http.StatusTooManyRequests
		}
		if st != want {
			t.Fatalf("guess %d from one address (user %s): got %d %q, want %d", i, name, st, code, want)
		}
	}
}

// tryLogin posts a login claiming to come from addr via the trusted proxy.
func (g *gateway) tryLogin(t *testing.T, addr, user, password string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	req, _ := http.NewRequest(http.MethodPost, g.url("/api/login"), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := g.client.Do(req)
	if err != nil {
		t.Fatalf("POST /api/login: %v", err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, errorCode(resp.Body)
}

// TestAdminSurface: the admin API refuses anonymous callers, users and
// API keys without the admin permission, and cross-site cookie requests.
func TestAdminSurface(t *testing.T) {
	cfg := baseConfig(t)
	g := startGateway(t, cfg)
	g.cli("bob-password\n", "user", "add", "bob")
	g.cli("root-password\n", "user", "add", "root", "--perm", "admin")
	plainKey := apiKeyFrom(t, g.cli("", "apikey", "create", "plain"))
	bob := g.login(t, "bob", "bob-password")
	root := g.login(t, "root", "root-password")

	send := `{"all": true, "message": {"x": 1}}`
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		hdr    http.Header
		cookie *http.Cookie
		want   int
	}{
		{"anonymous stats", "GET", "/api/admin/stats", "", nil, nil, 401},
		{"anonymous send", "POST", "/api/admin/send", send, nil, nil, 401},
		{"anonymous close", "DELETE", "/api/admin/connections/x", "", nil, nil, 401},
		{"user without admin", "GET", "/api/admin/connections", "", nil, bob, 403},
		{"user without admin sends", "POST", "/api/admin/send", send, nil, bob, 403},
		{"API key without admin", "GET", "/api/admin/attempts", "",
			http.Header{"Authorization": {"Bearer " + plainKey}}, nil, 403},
		{"unknown API key", "GET", "/api/admin/stats", "",
			http.Header{"Authorization": {"Bearer " + randomToken()}}, nil, 401},
		{"admin from another site", "POST", "/api/admin/send", send,
			http.Header{"Origin": {"http://evil.example"}}, root, 403},
		{"admin from its own page", "POST", "/api/admin/send", send,
			http.Header{"Origin": {"http://" + cfg.Listen}}, root, 200},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, g.url(tt.path), bytes.NewReader([]byte(tt.body)))
		for k, v := range tt.hdr {
			req.Header[k] = v
		}
		if tt.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if tt.cookie != nil {
			req.AddCookie(tt.cookie)
		}
		resp, err := g.client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %s %s got %d, want %d", tt.name, tt.method, tt.path, resp.StatusCode, tt.want)
		}
	}
}

// TestOversizedBodies: the JSON endpoints refuse a megabyte body with a
// 4xx instead of reading it into memory, and go on serving.
func TestOversizedBodies(t *testing.T) {
	g := startGateway(t, baseConfig(t))
	key := apiKeyFrom(t, g.cli("", "apikey", "create", "ops"))
	big := bytes.Repeat([]byte(" "), 1<<20)
	big[0] = '{'
	for _, path := range []string{"/api/login", "/api/ws-token", "/api/client-errors"} {
		req, _ := http.NewRequest(http.MethodPost, g.url(path), bytes.NewReader(big))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := g.client.Do(req)
		if err != nil {
			t.Fatalf("POST %s with 1 MiB: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 || resp.StatusCode == 401 {
			t.Errorf("POST %s with 1 MiB: got %d, want a 4xx about the body", path, resp.StatusCode)
		}
	}
	g.wellBehaved(t)
}
