package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wsgate/wsgate/persist"
)

// adminFixture is a server with metrics, an admin API key, a key without
// the admin permission, and a journal of known attempts.
type adminFixture struct {
	*harness
	admin, plain http.Header
}

func newAdminFixture(t *testing.T) *adminFixture {
	h := newHarness(t, "", func(o *Options) {
		withMetrics(o)
		o.TrustedProxies = mustPrefixes("127.0.0.1/32")
	})
	f := &adminFixture{harness: h, admin: h.apiKey("ops", PermAdmin), plain: h.apiKey("app")}

	// Journal: 203.0.113.5 is accepted 5 times then refused 3 times; an
	// IPv6 client of 2001:db8:1::/64 is accepted once.
	for range 5 {
		h.mustDial("/ws/echo", forwardedFor("203.0.113.5"))
	}
	for range 3 {
		h.refused("/ws/echo", forwardedFor("203.0.113.5"))
	}
	h.mustDial("/ws/echo", forwardedFor("2001:db8:1::7"))
	h.attempts(9)
	// A dial returns once the handshake is answered, a moment before the
	// hub has registered the connection.
	waitFor(t, func() bool { return h.srv.hub.Count("/ws/echo") == 6 })
	return f
}

func forwardedFor(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }

// get calls an admin endpoint and decodes its JSON answer into v.
func (f *adminFixture) get(t *testing.T, creds http.Header, path string, v any) int {
	t.Helper()
	resp, body := f.do("GET", path, creds, "")
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, body)
		}
	}
	return resp.StatusCode
}

func TestAdminEndpointsNeedAdmin(t *testing.T) {
	f := newAdminFixture(t)
	for _, path := range []string{"/api/admin/stats", "/api/admin/attempts", "/api/admin/top?by=ip", "/admin"} {
		cases := []struct {
			name  string
			creds http.Header
			want  int
		}{
			{"no credentials", nil, http.StatusUnauthorized},
			{"unknown key", http.Header{"Authorization": {"Bearer nope"}}, http.StatusUnauthorized},
			{"no admin permission", f.plain, http.StatusForbidden},
			{"admin", f.admin, http.StatusOK},
		}
		for _, c := range cases {
			if got := f.get(t, c.creds, path, nil); got != c.want {
				t.Errorf("GET %s with %s: got %d, want %d", path, c.name, got, c.want)
			}
		}
	}
}

func TestAdminPageServesTheDashboardToEveryone(t *testing.T) {
	f := newAdminFixture(t)
	resp, body := f.do("GET", "/admin", nil, "")
	if !strings.Contains(string(body), `id="login-form"`) || !strings.Contains(string(body), "/static/admin.js") {
		t.Errorf("GET /admin: got %.200s, want the dashboard page", body)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
		t.Errorf("Content-Type: got %q, want text/html", got)
	}
	for _, asset := range []string{"admin.js", "admin.chart.js", "admin.css"} {
		if resp, _ := f.do("GET", "/static/"+asset, nil, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /static/%s: got %d, want 200", asset, resp.StatusCode)
		}
	}
}

func TestAdminStats(t *testing.T) {
	f := newAdminFixture(t)
	var st adminStats
	if code := f.get(t, f.admin, "/api/admin/stats", &st); code != http.StatusOK {
		t.Fatalf("stats: got %d, want 200", code)
	}
	echo := st.ConnectAttempts["/ws/echo"]
	if echo["ok"] != 6 || echo["rate_limited_ip"] != 3 {
		t.Errorf("attempts: got %v, want 6 ok and 3 rate_limited_ip", echo)
	}
	if st.Connections["/ws/echo"] != 6 || st.OpenTotal != 6 {
		t.Errorf("connections: got %v (open %d), want 6 on /ws/echo", st.Connections, st.OpenTotal)
	}
	if st.Limiter[ScopeIP].Keys < 2 {
		t.Errorf("limiter ip keys: got %d, want at least 2", st.Limiter[ScopeIP].Keys)
	}
	if st.DatabaseBytes <= 0 || st.Now != f.clock.Now().UnixMilli() {
		t.Errorf("got database %d bytes, now %d; want a size and the server's clock", st.DatabaseBytes, st.Now)
	}
	if strings.Join(st.Endpoints, ",") != "/ws/chat,/ws/chat-close,/ws/echo,/ws/echo-close" {
		t.Errorf("endpoints: got %v, want the four test endpoints, sorted", st.Endpoints)
	}
}

func TestAdminAttempts(t *testing.T) {
	f := newAdminFixture(t)
	cases := []struct {
		query      string
		wantStatus int
		wantRows   int
		wantFirst  string // reason of the newest row
	}{
		{"", 200, 9, "ok"},
		{"?ip=203.0.113.5", 200, 8, "rate_limited_ip"},
		{"?ip=203.0.113.5&rejected=true", 200, 3, "rate_limited_ip"},
		{"?ip=203.0.113.5&limit=2", 200, 2, "rate_limited_ip"},
		{"?ip=2001:db8:1::99", 200, 1, "ok"}, // the same /64
		{"?ip=198.51.100.1", 200, 0, ""},
		{"?user=nobody", 200, 0, ""},
		{"?since=1m", 200, 9, "ok"},
		{"?since=" + url.QueryEscape(f.clock.Now().Add(time.Hour).Format(time.RFC3339)), 200, 0, ""},
		{"?ip=not-an-ip", 400, 0, ""},
		{"?since=yesterday", 400, 0, ""},
		{"?since=-5m", 400, 0, ""},
		{"?limit=0", 400, 0, ""},
		{"?limit=100000", 400, 0, ""},
		{"?rejected=maybe", 400, 0, ""},
	}
	for _, c := range cases {
		var got struct {
			Attempts []persist.AttemptRow `json:"attempts"`
		}
		code := f.get(t, f.admin, "/api/admin/attempts"+c.query, &got)
		if code != c.wantStatus {
			t.Errorf("%s: got status %d, want %d", c.query, code, c.wantStatus)
			continue
		}
		if code != 200 {
			continue
		}
		if len(got.Attempts) != c.wantRows {
			t.Errorf("%s: got %d attempts, want %d", c.query, len(got.Attempts), c.wantRows)
			continue
		}
		if c.wantRows > 0 && got.Attempts[0].Reason != c.wantFirst {
			t.Errorf("%s: newest reason got %s, want %s", c.query, got.Attempts[0].Reason, c.wantFirst)
		}
	}
}

// TestAdminAttemptsShape checks that the admin API writes the columns of
// connection_attempts with the same names and types as "wsgate audit
// --json": at in Unix milliseconds, user null when anonymous.
func TestAdminAttemptsShape(t *testing.T) {
	f := newAdminFixture(t)
	_, body := f.do("GET", "/api/admin/attempts?limit=1", f.admin, "")
	var raw struct {
		Attempts []map[string]any `json:"attempts"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.Attempts) != 1 {
		t.Fatalf("attempts: %v, %s", err, body)
	}
	a := raw.Attempts[0]
	want := map[string]any{"endpoint": "/ws/echo", "ip": "2001:db8:1::", "user": nil,
		"success": true, "reason": "ok", "at": float64(f.clock.Now().UnixMilli())}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("field %s: got %#v, want %#v", k, a[k], v)
		}
	}
	if _, ok := a["id"].(float64); !ok || len(a) != 7 {
		t.Errorf("got fields %v, want id, at, endpoint, ip, user, success, reason", a)
	}
}

func TestAdminTop(t *testing.T) {
	f := newAdminFixture(t)
	var got topRejected
	if code := f.get(t, f.admin, "/api/admin/top?by=ip&since=15m", &got); code != 200 {
		t.Fatalf("top: got %d, want 200", code)
	}
	if len(got.Top) != 1 || got.Top[0] != (persist.KeyCount{Key: "203.0.113.5", Count: 3}) || got.By != "ip" {
		t.Errorf("top by ip: got %+v, want 203.0.113.5 with 3", got)
	}
	if code := f.get(t, f.admin, "/api/admin/top?by=user", &got); code != 200 || len(got.Top) != 0 {
		t.Errorf("top by user: got %d %+v, want 200 and no users", code, got)
	}
	for _, q := range []string{"?by=email", "?since=forever", "?limit=1000", "?since=0s"} {
		if code := f.get(t, f.admin, "/api/admin/top"+q, nil); code != http.StatusBadRequest {
			t.Errorf("top%s: got %d, want 400", q, code)
		}
	}
}
