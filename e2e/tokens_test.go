package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestTokenGuessingAndSecrecy: guessing tokens is throttled like any other
// attempt, one attempt tests one token however many it offers, a token
// works once whether it comes in the URL or in a subprotocol, and no
// token, key or password ever reaches the log (even at debug level), the
// metrics or the database in the clear.
func TestTokenGuessingAndSecrecy(t *testing.T) {
	cfg := privateConfig(t, 8)
	g := startGateway(t, cfg, "--log-level", "debug")
	g.cli("alice-password\n", "user", "add", "alice")
	key := apiKeyFrom(t, g.cli("", "apikey", "create", "ops", "--perm", "admin"))
	secrets := []string{key, "alice-password"}

	// In the URL: once.
	inURL := g.issueToken(t, key, "alice")
	c := g.mustDial(t, "/ws/private?ws_token="+inURL)
	echoOnce(t, c, "url token")
	c.CloseNow()
	if a := g.mustProbe(t, "/ws/private?ws_token="+inURL, nil); a.reason != "bad_token" {
		t.Errorf("URL token reused: got %d %q, want 401 bad_token", a.status, a.reason)
	}

	// In the subprotocols, kept out of URLs: once.
	inProto := g.issueToken(t, key, "alice")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := &websocket.DialOptions{Subprotocols: []string{"wsgate", "wsgate.token." + inProto}}
	c, a, err := g.dial(ctx, "/ws/private", opts)
	if err != nil {
		t.Fatalf("subprotocol token: %v (%d %q)", err, a.status, a.reason)
	}
	if got := c.Subprotocol(); got != "wsgate" {
		t.Errorf("selected subprotocol: got %q, want wsgate", got)
	}
	echoOnce(t, c, "subprotocol token")
	c.CloseNow()
	if _, a, err := g.dial(ctx, "/ws/private", opts); err == nil || a.reason != "bad_token" {
		t.Errorf("subprotocol token reused: got %d %q (%v), want 401 bad_token", a.status, a.reason, err)
	}
	secrets = append(secrets, inURL, inProto)

	// Offering many tokens in one handshake tries only the first, so one
	// attempt is one guess: a valid token behind 50 guesses does not open,
	// and stays unused.
	hidden := g.issueToken(t, key, "alice")
	var offer []string
	var query strings.Builder
	for i := 0; i < 50; i++ {
		guess := randomToken()
		offer = append(offer, "wsgate.token."+guess)
		fmt.Fprintf(&query, "ws_token=%s&", guess)
	}
	offer = append(append([]string{"wsgate"}, offer...), "wsgate.token."+hidden)
	many := &websocket.DialOptions{Subprotocols: offer}
	if _, a, err := g.dial(ctx, "/ws/private", many); err == nil || a.reason != "bad_token" {
		t.Errorf("51 subprotocol tokens, the valid one last: got %d %q (%v), want 401 bad_token",
			a.status, a.reason, err)
	}
	if a := g.mustProbe(t, "/ws/private?"+query.String()+"ws_token="+hidden, nil); a.reason != "bad_token" {
		t.Errorf("51 query tokens, the valid one last: got %d %q, want 401 bad_token", a.status, a.reason)
	}
	c = g.mustDial(t, "/ws/private?ws_token="+hidden)
	c.CloseNow()
	secrets = append(secrets, hidden)

	// Guessing: the seven attempts above and one guess use up the budget
	// of eight; every guess after that is refused before the token is
	// looked at.
	for i := 0; i < 5; i++ {
		guess := randomToken()
		secrets = append(secrets, guess)
		a := g.mustProbe(t, "/ws/private?ws_token="+guess, nil)
		want := "bad_token"
		if i >= 1 {
			want = "rate_limited_ip"
		}
		if a.reason != want {
			t.Fatalf("guess %d: got %d %q, want %s", i+1, a.status, a.reason, want)
		}
	}

	pollCount(t, openDB(t, cfg.Database), 3, `SELECT count(*) FROM ws_tokens WHERE used_at IS NOT NULL`)
	g.noSecrets(t, secrets)
}

// TestTokenReplayRace: of many handshakes racing with one token, exactly
// one gets through.
func TestTokenReplayRace(t *testing.T) {
	cfg := privateConfig(t, 1000)
	g := startGateway(t, cfg)
	g.cli("alice-password\n", "user", "add", "alice")
	key := apiKeyFrom(t, g.cli("", "apikey", "create", "ops", "--perm", "admin"))

	for round := 0; round < 5; round++ {
		tok := g.issueToken(t, key, "alice")
		answers := make(chan answer, 20)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				a, err := g.probe("/ws/private?ws_token="+tok, nil)
				if err != nil {
					t.Errorf("racing handshake: %v", err)
				}
				answers <- a
			}()
		}
		close(start)
		wg.Wait()
		close(answers)
		admitted := 0
		for a := range answers {
			switch {
			case a.status == http.StatusSwitchingProtocols:
				admitted++
			case a.reason != "bad_token":
				t.Errorf("racing handshake: got %d %q, want 101 or 401 bad_token", a.status, a.reason)
			}
		}
		if admitted != 1 {
			t.Fatalf("round %d: 20 handshakes racing with one token: %d admitted, want 1", round, admitted)
		}
	}
}

// noSecrets fails if any of secrets appears in the log, the metrics or the
// database file (with its WAL), in any case.
func (g *gateway) noSecrets(t *testing.T, secrets []string) {
	t.Helper()
	places := map[string]string{"log": g.log.String(), "metrics": g.metricsText(t)}
	for _, suffix := range []string{"", "-wal"} {
		b, _ := readFileIfExists(g.cfg.Database + suffix)
		places["database"+suffix] = string(b)
	}
	for name, text := range places {
		text = strings.ToLower(text)
		for _, s := range secrets {
			if strings.Contains(text, strings.ToLower(s)) {
				t.Errorf("the %s contains the secret %q", name, s)
			}
		}
	}
}

// TestCrossSite: a page on another site can neither open a WebSocket nor
// spend a logged-in user's token budget, however it dresses its origin.
func TestCrossSite(t *testing.T) {
	cfg := privateConfig(t, 1000)
	g := startGateway(t, cfg)
	own := "http://" + cfg.Listen
	foreign := []string{
		"http://evil.example",
		own + ".evil.example",
		"http://evil.example/" + cfg.Listen,
		"https://" + cfg.Listen,
		"null",
	}
	for _, origin := range foreign {
		a := g.mustProbe(t, "/ws/echo", http.Header{"Origin": {origin}})
		if a.status != http.StatusForbidden || a.reason != "forbidden_origin" {
			t.Errorf("handshake from origin %q: got %d %q, want 403 forbidden_origin", origin, a.status, a.reason)
		}
	}
	a := g.mustProbe(t, "/ws/chat", http.Header{"Origin": {own}})
	if a.status != http.StatusSwitchingProtocols {
		t.Errorf("handshake from the server's own origin: got %d %q, want 101", a.status, a.reason)
	}

	g.cli("alice-password\n", "user", "add", "alice")
	cookie := g.login(t, "alice", "alice-password")
	for _, origin := range foreign {
		if st := g.cookieTokenRequest(t, cookie, http.Header{"Origin": {origin}}); st != http.StatusForbidden {
			t.Errorf("token request with the cookie from origin %q: got %d, want 403", origin, st)
		}
	}
	crossSite := http.Header{"Sec-Fetch-Site": {"cross-site"}}
	if st := g.cookieTokenRequest(t, cookie, crossSite); st != http.StatusForbidden {
		t.Errorf("token request with Sec-Fetch-Site: cross-site: got %d, want 403", st)
	}
	if st := g.cookieTokenRequest(t, cookie, http.Header{"Origin": {own}}); st != http.StatusOK {
		t.Errorf("token request from the server's own origin: got %d, want 200", st)
	}
}

// privateConfig is baseConfig plus /ws/private, an echo endpoint that
// requires a token and allows max attempts an hour.
func privateConfig(t *testing.T, max int) *config {
	cfg := baseConfig(t)
	cfg.Endpoints = append(cfg.Endpoints, endpoint{
		Path: "/ws/private", Handler: "echo", RequireToken: true,
		RateLimitEnabled: true, MaxAttempts: max, Window: "1h",
	})
	return cfg
}

// login posts credentials to /api/login and returns the session cookie.
func (g *gateway) login(t *testing.T, user, password string) *http.Cookie {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := g.client.Post(g.url("/api/login"), "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST /api/login: %v", err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "wsgate_session" && resp.StatusCode == http.StatusNoContent {
			return c
		}
	}
	t.Fatalf("POST /api/login: got %d without a session cookie, want 204 and wsgate_session",
		resp.StatusCode)
	return nil
}

// cookieTokenRequest asks for a token with a session cookie and hdr, and
// returns the status.
func (g *gateway) cookieTokenRequest(t *testing.T, cookie *http.Cookie, hdr http.Header) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, g.url("/api/ws-token"), strings.NewReader("{}"))
	req.Header = hdr
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(cookie)
	resp, err := g.client.Do(req)
	if err != nil {
		t.Fatalf("POST /api/ws-token: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// randomToken returns a well-formed token nobody issued.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
