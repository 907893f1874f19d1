package server

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestRestartKeepsLimitsAndTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wsgate.db")
	h := newHarness(t, path, nil)
	h.addUser("ann")
	ann := h.login("ann")
	for range 5 {
		h.mustDial("/ws/echo", nil).CloseNow()
	}
	tok := h.token(cookie(ann), `{"endpoint":"/ws/chat"}`)
	used := h.token(cookie(ann), "")
	h.mustDial("/ws/chat?ws_token="+used, cookie(ann)).CloseNow()
	h.stop()

	h = newHarness(t, path, nil)
	if resp, body := h.refused("/ws/echo", nil); resp.StatusCode != 429 || body.Error != ReasonRateLimitedIP {
		t.Errorf("after restart: got %d %q, want 429 rate_limited_ip", resp.StatusCode, body.Error)
	}
	if resp, _ := h.refused("/ws/chat?ws_token="+used, cookie(ann)); resp.StatusCode != 401 {
		t.Errorf("token used before the restart: got %d, want 401", resp.StatusCode)
	}
	h.mustDial("/ws/chat?ws_token="+tok, cookie(ann)).CloseNow()
	if resp, _ := h.refused("/ws/chat?ws_token="+tok, cookie(ann)); resp.StatusCode != 401 {
		t.Errorf("reloaded token used twice: got %d, want 401", resp.StatusCode)
	}
}

func TestRestartKeepsTokenIssueBudget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wsgate.db")
	budget := func(o *Options) { o.Token.MaxPerMinute = 2 }
	h := newHarness(t, path, budget)
	h.addUser("ann")
	ann := h.login("ann")
	for range 2 {
		// Used tokens count against the budget as much as unused ones.
		tok := h.token(cookie(ann), "")
		h.mustDial("/ws/chat?ws_token="+tok, cookie(ann)).CloseNow()
	}
	h.stop()

	h = newHarness(t, path, budget)
	resp, body := h.do("POST", "/api/ws-token", cookie(ann), "")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third token in a minute after restart: got %d %s, want 429 with Retry-After",
			resp.StatusCode, body)
	}
}

func TestGracefulShutdown(t *testing.T) {
	h := newHarness(t, "", func(o *Options) { o.DrainTimeout = 3 * time.Second })
	conns := []*websocket.Conn{}
	for range 3 {
		conns = append(conns, h.mustDial("/ws/echo", nil))
	}
	waitFor(t, func() bool { return h.srv.hub.Count("/ws/echo") == 3 })
	type closed struct {
		code   websocket.StatusCode
		reason string
	}
	results := make(chan closed, len(conns))
	for _, c := range conns {
		go func() {
			code, reason, _ := readClose(c)
			results <- closed{code, reason}
		}()
	}
	h.stop()

	seen := map[string]bool{}
	for range conns {
		r := <-results
		var hint struct {
			RetryAfterMS int64 `json:"retry_after_ms"`
		}
		if r.code != 1012 || json.Unmarshal([]byte(r.reason), &hint) != nil || hint.RetryAfterMS <= 0 || hint.RetryAfterMS > 3000 {
			t.Errorf("close %d %q, want 1012 with retry_after_ms in (0, 3000]", r.code, r.reason)
		}
		seen[r.reason] = true
	}
	if len(seen) != 3 {
		t.Errorf("retry hints %v, want 3 different ones spread over the drain", seen)
	}

	// Once draining, probes and handshakes are refused with 503.
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 {
		t.Errorf("/readyz while draining: got %d, want 503", rec.Code)
	}
	req := httptest.NewRequest("GET", "/ws/echo", nil)
	req.Header = upgradeHeaders()
	rec = httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "3" {
		t.Errorf("handshake while draining: got %d Retry-After %q, want 503 and 3", rec.Code, rec.Header().Get("Retry-After"))
	}
}

func TestProbesAndStatic(t *testing.T) {
	h := newHarness(t, "", nil)
	if resp, body := h.do("GET", "/api/ws-token", nil, ""); resp.StatusCode != 405 ||
		resp.Header.Get("Allow") != "POST" || !strings.Contains(string(body), "method_not_allowed") {
		t.Errorf("GET /api/ws-token: got %d %s, want a JSON 405", resp.StatusCode, body)
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/": 200, "/static/index.html": 200, "/static/nope.js": 404} {
		if resp, _ := h.do("GET", path, nil, ""); resp.StatusCode != want {
			t.Errorf("GET %s: got %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestHeaderLimits(t *testing.T) {
	h := newHarness(t, "", func(o *Options) { o.MaxHeaderBytes = 4096 })
	resp, _ := h.do("GET", "/healthz", http.Header{"X-Big": {strings.Repeat("a", 16<<10)}}, "")
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("huge headers: got %d, want 431", resp.StatusCode)
	}
	if h.srv.http.ReadHeaderTimeout != 10*time.Second {
		t.Errorf("ReadHeaderTimeout %v, want the 10s default", h.srv.http.ReadHeaderTimeout)
	}
}

// TestTokensNeverLogged searches the logs (at debug level) and the
// database file's bytes for every token the test used, in URLs, in
// subprotocols, accepted and refused.
func TestTokensNeverLogged(t *testing.T) {
	h := newHarness(t, "", nil)
	h.addUser("ann")
	ann := h.login("ann")
	var toks []string
	for i := range 4 {
		tok := h.token(cookie(ann), "")
		toks = append(toks, tok)
		switch i {
		case 0:
			h.mustDial("/ws/chat?ws_token="+tok, cookie(ann)).CloseNow()
			h.refused("/ws/chat?ws_token="+tok, cookie(ann)) // reuse: warned about
		case 1:
			h.mustDial("/ws/chat", cookie(ann), subprotocol, subprotocolPrefix+tok).CloseNow()
		case 2:
			h.refused("/ws/chat?token="+tok, nil) // foreign session: warned about
		case 3:
			h.refused("/ws/chat?channel=BAD!&ws_token="+tok, cookie(ann))
		}
	}
	h.attempts(5)
	logs := h.logs.String()
	h.stop()
	if !strings.Contains(logs, "token_reuse") {
		t.Errorf("the reuse was not warned about; logs:\n%s", logs)
	}
	files, _ := filepath.Glob(h.path + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range toks {
			if bytes.Contains(b, []byte(tok)) {
				t.Errorf("%s contains a token", f)
			}
		}
	}
	for _, tok := range toks {
		if strings.Contains(logs, tok) {
			t.Errorf("logs contain a token")
		}
	}
	if all, used, err := countTokenRows(h.path); err != nil || all != 4 || used != 2 {
		t.Errorf("ws_tokens rows %d, used %d (%v), want 4 and 2", all, used, err)
	}
}

// countTokenRows counts the rows of ws_tokens, and those marked used.
func countTokenRows(path string) (all, used int, err error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	err = db.QueryRow(`SELECT count(*), count(used_at) FROM ws_tokens`).Scan(&all, &used)
	return all, used, err
}

func TestRestartKeepsUserLimits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wsgate.db")
	mod := func(o *Options) {
		o.TrustedProxies = mustPrefixes("127.0.0.0/8")
	}
	h := newHarness(t, path, mod)
	key := h.apiKey("backend")
	for i := range 5 {
		tok := h.token(key, `{"user":"carol"}`)
		hdr := http.Header{"X-Forwarded-For": {"198.51.100." + string(rune('1'+i))}}
		h.mustDial("/ws/chat?ws_token="+tok, hdr).CloseNow()
	}
	spare := h.token(key, `{"user":"carol"}`)
	h.stop()

	h = newHarness(t, path, mod)
	hdr := http.Header{"X-Forwarded-For": {"203.0.113.50"}}
	resp, body := h.refused("/ws/chat?ws_token="+spare, hdr)
	if resp.StatusCode != 429 || body.Error != ReasonRateLimitedUser {
		t.Errorf("carol from a new IP after restart: got %d %q, want 429 rate_limited_user", resp.StatusCode, body.Error)
	}
}
