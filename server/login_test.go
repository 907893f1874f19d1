package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLoginAndLogout(t *testing.T) {
	h := newHarness(t, "", nil)
	h.addUser("ann")

	resp, _ := h.do("POST", "/api/login", nil, `{"username":"ann","password":"pw-ann"}`)
	if resp.StatusCode != 204 {
		t.Fatalf("login: got %d, want 204", resp.StatusCode)
	}
	var c *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			c = ck
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Fatalf("cookie %+v, want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", c)
	}
	ann := c.Name + "=" + c.Value
	h.token(cookie(ann), "")

	if resp, _ := h.do("POST", "/api/logout", cookie(ann), ""); resp.StatusCode != 204 {
		t.Fatalf("logout: got %d, want 204", resp.StatusCode)
	}
	if resp, _ := h.do("POST", "/api/ws-token", cookie(ann), ""); resp.StatusCode != 401 {
		t.Errorf("token after logout: got %d, want 401", resp.StatusCode)
	}
}

func TestLoginRefusals(t *testing.T) {
	h := newHarness(t, "", nil)
	h.addUser("ann")
	tests := []struct {
		name, body string
		hdr        http.Header
		want       int
	}{
		{"wrong password", `{"username":"ann","password":"nope"}`, nil, 401},
		{"unknown user", `{"username":"zed","password":"nope"}`, nil, 401},
		{"no username", `{"password":"x"}`, nil, 400},
		{"not json", `username=ann`, nil, 400},
		{"cross-site", `{"username":"ann","password":"pw-ann"}`, http.Header{"Origin": {"https://evil.example"}}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.do("POST", "/api/login", tt.hdr, tt.body)
			if resp.StatusCode != tt.want || !strings.Contains(string(body), `"message"`) {
				t.Errorf("got %d %s, want %d with a JSON error", resp.StatusCode, body, tt.want)
			}
		})
	}
}

func TestLoginRateLimited(t *testing.T) {
	t.Run("per username from many addresses", func(t *testing.T) {
		h := newHarness(t, "", func(o *Options) {
			o.Login.MaxAttempts = 3
			o.TrustedProxies = mustPrefixes("127.0.0.0/8")
		})
		h.addUser("ann")
		for i := range 4 {
			hdr := http.Header{"X-Forwarded-For": {"198.51.100." + string(rune('1'+i))}}
			resp, body := h.do("POST", "/api/login", hdr, `{"username":"ann","password":"nope"}`)
			want := 401
			if i == 3 {
				want = 429
			}
			if resp.StatusCode != want {
				t.Fatalf("attempt %d: got %d %s, want %d", i, resp.StatusCode, body, want)
			}
			if want == 429 && (resp.Header.Get("Retry-After") != "60" || !strings.Contains(string(body), `"retry_after":60`)) {
				t.Errorf("429 without Retry-After 60: %v %s", resp.Header, body)
			}
		}
		// Even the right password waits.
		if resp, _ := h.do("POST", "/api/login", nil, `{"username":"ann","password":"pw-ann"}`); resp.StatusCode != 429 {
			t.Errorf("right password while limited: got %d, want 429", resp.StatusCode)
		}
		h.clock.Advance(time.Minute)
		h.login("ann")
	})
	t.Run("per address over many usernames", func(t *testing.T) {
		h := newHarness(t, "", func(o *Options) { o.Login.MaxAttempts = 3 })
		for i, name := range []string{"a", "b", "c", "d"} {
			resp, _ := h.do("POST", "/api/login", nil, `{"username":"`+name+`","password":"x"}`)
			if want := map[bool]int{true: 429, false: 401}[i == 3]; resp.StatusCode != want {
				t.Errorf("attempt %d: got %d, want %d", i, resp.StatusCode, want)
			}
		}
	})
}

func TestRequireAdmin(t *testing.T) {
	h := newHarness(t, "", nil)
	h.addUser("root", PermAdmin)
	h.addUser("ann")
	root, ann := h.login("root"), h.login("ann")
	admin := h.srv.RequireAdmin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	tests := []struct {
		name, method string
		hdr          http.Header
		want         int
	}{
		{"nobody", "GET", nil, 401},
		{"user without admin", "GET", cookie(ann), 403},
		{"admin session", "GET", cookie(root), 418},
		{"admin session posts cross-site", "POST", withHeader(cookie(root), "Origin", "https://evil.example"), 403},
		{"admin session posts same-origin", "POST", withHeader(cookie(root), "Sec-Fetch-Site", "same-origin"), 418},
		{"admin api key", "DELETE", h.apiKey("ops", PermAdmin), 418},
		{"api key without admin", "GET", h.apiKey("plain"), 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, h.base+"/api/admin/x", nil)
			req.Header = tt.hdr
			if req.Header == nil {
				req.Header = http.Header{}
			}
			req.RemoteAddr = "127.0.0.1:1"
			rec := httptest.NewRecorder()
			admin.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("got %d %s, want %d", rec.Code, rec.Body, tt.want)
			}
		})
	}
}
