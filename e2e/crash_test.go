package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestCrashDuringStorm: SIGKILL in the middle of a storm of handshakes,
// then a restart on the same database file. The file passes SQLite's
// integrity check, a client limited before the crash is still limited,
// and tokens issued before the crash work once and only once.
func TestCrashDuringStorm(t *testing.T) {
	cfg := baseConfig(t)
	cfg.TrustedProxies = []string{"127.0.0.1/32"}
	cfg.Endpoints = append(cfg.Endpoints, endpoint{
		Path: "/ws/private", Handler: "echo", RequireToken: true,
		RateLimitEnabled: true, MaxAttempts: 1000, Window: "1h",
	})
	g := startGateway(t, cfg)

	// A user, an API key to issue tokens for it, and three tokens: one
	// used before the crash, two kept for after it.
	g.cli("alice-password\n", "user", "add", "alice")
	key := apiKeyFrom(t, g.cli("", "apikey", "create", "ops", "--perm", "admin"))
	used := g.issueToken(t, key, "alice")
	kept := []string{g.issueToken(t, key, "alice"), g.issueToken(t, key, "alice")}
	c := g.mustDial(t, "/ws/private?ws_token="+used)
	echoOnce(t, c, "before the crash")
	c.CloseNow()

	// A client limited before the crash.
	const attacker = "203.0.113.9"
	for i := 0; i < 6; i++ {
		g.mustProbe(t, "/ws/echo", forwarded(attacker))
	}
	if a := g.mustProbe(t, "/ws/echo", forwarded(attacker)); a.reason != "rate_limited_ip" {
		t.Fatalf("attacker before the crash: got %d %q, want rate_limited_ip", a.status, a.reason)
	}

	// The journal commits in batches; wait until what the test relies on is
	// on disk, as the contract only promises that.
	db := openDB(t, cfg.Database)
	pollCount(t, db, 7, `SELECT count(*) FROM connection_attempts WHERE ip = ?`, attacker)
	pollCount(t, db, 3, `SELECT count(*) FROM ws_tokens`)
	pollCount(t, db, 1, `SELECT count(*) FROM ws_tokens WHERE used_at IS NOT NULL`)
	db.Close()

	// The storm: handshakes from many addresses on both endpoints, and the
	// kill once a few hundred have been answered.
	storm(t, g, 400)

	db = openDB(t, cfg.Database)
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check after SIGKILL: got %q (%v), want ok", check, err)
	}
	db.Close()

	g.restart()
	if a := g.mustProbe(t, "/ws/echo", forwarded(attacker)); a.reason != "rate_limited_ip" {
		t.Errorf("attacker after the restart: got %d %q, want 429 rate_limited_ip", a.status, a.reason)
	}
	if a := g.mustProbe(t, "/ws/private?ws_token="+used, nil); a.reason != "bad_token" {
		t.Errorf("token used before the crash: got %d %q, want 401 bad_token", a.status, a.reason)
	}
	for i, tok := range kept {
		c := g.mustDial(t, "/ws/private?ws_token="+tok)
		echoOnce(t, c, fmt.Sprintf("after the crash %d", i))
		c.CloseNow()
		if a := g.mustProbe(t, "/ws/private?ws_token="+tok, nil); a.reason != "bad_token" {
			t.Errorf("token %d used twice: got %d %q, want 401 bad_token", i, a.status, a.reason)
		}
	}
	g.wellBehaved(t)
}

// storm runs handshakes from distinct addresses on four goroutines and
// kills the gateway with SIGKILL once n of them have been answered.
func storm(t *testing.T, g *gateway, n int64) {
	t.Helper()
	var answered atomic.Int64
	killed := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i += 4 {
				path := "/ws/echo"
				if i%2 == 1 {
					path = "/ws/private?ws_token=0000"
				}
				addr := fmt.Sprintf("10.9.%d.%d", i>>8&255, i&255)
				if _, err := g.probe(path, forwarded(addr)); err != nil {
					select {
					case <-killed:
						return
					default:
						t.Errorf("storm handshake before the kill: %v", err)
						return
					}
				}
				if answered.Add(1) == n {
					close(killed)
					g.kill()
				}
			}
		}()
	}
	wg.Wait()
}

// issueToken asks POST /api/ws-token for a token for user with an API key.
func (g *gateway) issueToken(t *testing.T, apiKey, user string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"user": user})
	req, _ := http.NewRequest(http.MethodPost, g.url("/api/ws-token"), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		t.Fatalf("POST /api/ws-token: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/ws-token: got %d (%s), want 200", resp.StatusCode, errorCode(resp.Body))
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Token) != 64 {
		t.Fatalf("POST /api/ws-token: token %q (%v), want 64 hex digits", out.Token, err)
	}
	return out.Token
}

// apiKeyFrom picks the key out of "wsgate apikey create" output: the
// longest word, whatever text surrounds it.
func apiKeyFrom(t *testing.T, out string) string {
	t.Helper()
	key := ""
	for _, f := range strings.Fields(out) {
		if len(f) > len(key) {
			key = f
		}
	}
	if len(key) < 20 {
		t.Fatalf("no API key in %q", out)
	}
	return key
}
