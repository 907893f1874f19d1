package server

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var tokenPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestTokenEndpointAnswers(t *testing.T) {
	h := newHarness(t, "", nil)
	h.addUser("ann")
	ann := h.login("ann")
	key := h.apiKey("backend")

	tests := []struct {
		name string
		hdr  http.Header
		body string
		want int
		code string
	}{
		{"no credentials", nil, "", 401, "authentication_required"},
		{"unknown cookie", cookie(sessionCookie + "=" + strings.Repeat("0", 64)), "", 401, "authentication_required"},
		{"unknown api key", http.Header{"Authorization": {"Bearer nope"}}, `{"user":"x"}`, 401, "authentication_required"},
		{"cross-site cookie", withHeader(cookie(ann), "Origin", "https://evil.example"), "", 403, "forbidden"},
		{"cross-site fetch", withHeader(cookie(ann), "Sec-Fetch-Site", "cross-site"), "", 403, "forbidden"},
		{"session for another user", cookie(ann), `{"user":"bob"}`, 403, "forbidden"},
		{"api key without user", key, "", 400, "bad_request"},
		{"unknown endpoint", cookie(ann), `{"endpoint":"/ws/nope"}`, 404, "not_found"},
		{"bad json", cookie(ann), `{"endpoint":`, 400, "bad_request"},
		{"session", cookie(ann), "", 200, ""},
		{"same origin", withHeader(cookie(ann), "Origin", h.base), `{"endpoint":"/ws/chat"}`, 200, ""},
		{"api key", key, `{"user":"zed"}`, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.do("POST", "/api/ws-token", tt.hdr, tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, body, tt.want)
			}
			if tt.want != 200 {
				var eb errorBody
				if json.Unmarshal(body, &eb); eb.Error != tt.code || eb.Message == "" {
					t.Errorf("body %s, want error %q with a message", body, tt.code)
				}
				return
			}
			var tr tokenResponse
			if err := json.Unmarshal(body, &tr); err != nil || !tokenPattern.MatchString(tr.Token) || tr.ExpiresIn != 60 {
				t.Errorf("body %s, want 64 hex and expires_in 60", body)
			}
			for _, hname := range []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} {
				if resp.Header.Get(hname) == "" {
					t.Errorf("missing %s", hname)
				}
			}
		})
	}
}

func withHeader(h http.Header, k, v string) http.Header {
	c := h.Clone()
	c.Set(k, v)
	return c
}

func TestTokenEndpointPerUserLimit(t *testing.T) {
	h := newHarness(t, "", func(o *Options) { o.Token.MaxPerMinute = 3 })
	h.addUser("ann")
	ann := h.login("ann")
	for i := range 3 {
		resp, _ := h.do("POST", "/api/ws-token", cookie(ann), "")
		if resp.StatusCode != 200 {
			t.Fatalf("token %d: got %d, want 200", i, resp.StatusCode)
		}
		if got, want := resp.Header.Get("RateLimit-Remaining"), string(rune('2'-i)); got != want {
			t.Errorf("token %d: RateLimit-Remaining %q, want %q", i, got, want)
		}
		// Reset: the full budget is back in a minute; for the last token,
		// the next is free when the first leaves the minute, at 60 s.
		wantReset := map[bool]string{true: "40", false: "60"}[i == 2]
		if resp.Header.Get("RateLimit-Limit") != "3" || resp.Header.Get("RateLimit-Reset") != wantReset {
			t.Errorf("RateLimit-Limit %q Reset %q, want 3 and %s",
				resp.Header.Get("RateLimit-Limit"), resp.Header.Get("RateLimit-Reset"), wantReset)
		}
		h.clock.Advance(10 * time.Second)
	}
	// t = 30 s: the first token leaves the minute at 60 s.
	resp, body := h.do("POST", "/api/ws-token", cookie(ann), "")
	var eb errorBody
	json.Unmarshal(body, &eb)
	if resp.StatusCode != 429 || eb.Error != "rate_limited" || resp.Header.Get("Retry-After") != "30" || eb.RetryAfter != 30 {
		t.Errorf("got %d %s Retry-After %q, want 429 rate_limited 30", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	// Refusals do not push the wait out: at 60 s one token is free again.
	h.clock.Advance(30 * time.Second)
	if resp, _ := h.do("POST", "/api/ws-token", cookie(ann), ""); resp.StatusCode != 200 {
		t.Errorf("after the wait: got %d, want 200", resp.StatusCode)
	}
	// Another user has their own budget (API key issuing for bob).
	if resp, _ := h.do("POST", "/api/ws-token", h.apiKey("k"), `{"user":"bob"}`); resp.StatusCode != 200 {
		t.Errorf("bob: got %d, want 200", resp.StatusCode)
	}
}

func TestTokenEndpointRefusedWhileOverConnectLimit(t *testing.T) {
	h := newHarness(t, "", func(o *Options) { o.Token.MaxPerMinute = 100 })
	h.addUser("ann")
	ann := h.login("ann")
	// Five attempts from this IP exhaust /ws/echo's limit.
	for range 5 {
		h.mustDial("/ws/echo", nil).CloseNow()
	}
	h.clock.Advance(20 * time.Second)
	resp, body := h.do("POST", "/api/ws-token", cookie(ann), `{"endpoint":"/ws/echo"}`)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "40" {
		t.Errorf("ip over /ws/echo's limit: got %d %s Retry-After %q, want 429 and 40",
			resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	// Another endpoint, or no endpoint named, is not affected.
	for _, b := range []string{`{"endpoint":"/ws/chat"}`, ""} {
		if resp, _ := h.do("POST", "/api/ws-token", cookie(ann), b); resp.StatusCode != 200 {
			t.Errorf("body %q: got %d, want 200", b, resp.StatusCode)
		}
	}
	// A user over the limit is refused even through an API key, from
	// anywhere.
	key := h.apiKey("backend")
	for range 5 {
		tok := h.token(key, `{"user":"dan","endpoint":"/ws/chat-close"}`)
		h.mustDial("/ws/chat-close?ws_token="+tok, nil).CloseNow()
	}
	resp, body = h.do("POST", "/api/ws-token", key, `{"user":"dan","endpoint":"/ws/chat-close"}`)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "60" {
		t.Errorf("user over the limit: got %d %s Retry-After %q, want 429 and 60",
			resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
}
