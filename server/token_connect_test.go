package server

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConnectBadToken(t *testing.T) {
	h := newHarness(t, "", nil)
	h.addUser("ann")
	h.addUser("eve")
	ann, eve := h.login("ann"), h.login("eve")

	used := h.token(cookie(ann), "")
	h.mustDial("/ws/chat?ws_token="+used, cookie(ann)).CloseNow()
	expired := h.token(cookie(ann), "")
	foreign := h.token(cookie(eve), "")
	forEcho := h.token(cookie(ann), `{"endpoint":"/ws/echo-close"}`)
	h.clock.Advance(59 * time.Second)
	fresh := h.token(cookie(ann), "")
	h.clock.Advance(time.Second) // expired is now 60 s old: ttl reached

	tests := []struct{ name, query string }{
		{"missing", ""},
		{"garbage", "?ws_token=not-a-token"},
		{"uppercase hex", "?ws_token=" + strings.ToUpper(fresh)},
		{"unknown", "?ws_token=" + strings.Repeat("ab", 32)},
		{"expired", "?ws_token=" + expired},
		{"reused", "?ws_token=" + used},
		{"another session's", "?ws_token=" + foreign},
		{"another endpoint's", "?ws_token=" + forEcho},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.refused("/ws/chat"+tt.query, cookie(ann))
			if resp.StatusCode != 401 || body.Error != ReasonBadToken {
				t.Errorf("got %d %q, want 401 bad_token", resp.StatusCode, body.Error)
			}
		})
		h.clock.Advance(15 * time.Second) // stay under the IP limit
	}
	// A token bound to a session is refused without that session's cookie,
	// and the refusal does not consume it.
	tok := h.token(cookie(ann), "")
	if resp, _ := h.refused("/ws/chat?ws_token="+tok, nil); resp.StatusCode != 401 {
		t.Errorf("bound token without cookie: got %d, want 401", resp.StatusCode)
	}
	h.mustDial("/ws/chat?token="+tok, cookie(ann)).CloseNow()
}

func TestConnectBadTokenCloseMode(t *testing.T) {
	h := newHarness(t, "", nil)
	c := h.mustDial("/ws/chat-close?ws_token=nope", nil)
	if code, reason := closeStatus(t, c); code != 4401 || !strings.Contains(reason, ReasonBadToken) {
		t.Errorf("close %d %q, want 4401 bad_token", code, reason)
	}
}

func TestConnectTokenAsSubprotocol(t *testing.T) {
	h := newHarness(t, "", nil)
	h.addUser("ann")
	ann := h.login("ann")
	tok := h.token(cookie(ann), `{"endpoint":"/ws/chat"}`)
	c := h.mustDial("/ws/chat?channel=room", cookie(ann), subprotocol, subprotocolPrefix+tok)
	if got := c.Subprotocol(); got != subprotocol {
		t.Errorf("selected subprotocol %q, want %q", got, subprotocol)
	}
	rows := h.attempts(1)
	if rows[0].User != "ann" || !rows[0].Success {
		t.Errorf("journal row %+v, want ok by ann", rows[0])
	}
}

func TestConnectConcurrentTokenUseAdmitsOne(t *testing.T) {
	h := newHarness(t, "", func(o *Options) {
		o.Endpoints[0].RateLimitMaxAttempts = 1000
		o.Token.MaxPerMinute = 1000
	})
	h.addUser("ann")
	ann := h.login("ann")
	for round := range 10 {
		tok := h.token(cookie(ann), "")
		var wg sync.WaitGroup
		var mu sync.Mutex
		accepted, refused := 0, 0
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, resp, err := h.dial("/ws/chat?ws_token="+tok, cookie(ann))
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					accepted++
					c.CloseNow()
				} else if status(resp) == 401 {
					refused++
				}
			}()
		}
		wg.Wait()
		if accepted != 1 || refused != 1 {
			t.Fatalf("round %d: %d accepted, %d refused with 401; want 1 and 1", round, accepted, refused)
		}
	}
}

func TestConnectUserLimitFromManyIPs(t *testing.T) {
	h := newHarness(t, "", func(o *Options) {
		o.TrustedProxies = mustPrefixes("127.0.0.0/8")
	})
	key := h.apiKey("backend")
	for i := range 6 {
		tok := h.token(key, `{"user":"carol"}`)
		ip := "198.51.100." + string(rune('1'+i))
		hdr := http.Header{"X-Forwarded-For": {"10.9.9.9, " + ip}}
		if i < 5 {
			h.mustDial("/ws/chat?ws_token="+tok, hdr).CloseNow()
			continue
		}
		resp, body := h.refused("/ws/chat?ws_token="+tok, hdr)
		if resp.StatusCode != 429 || body.Error != ReasonRateLimitedUser || resp.Header.Get("Retry-After") != "60" {
			t.Errorf("6th attempt by carol from a new IP: got %d %q Retry-After %q, want 429 rate_limited_user 60",
				resp.StatusCode, body.Error, resp.Header.Get("Retry-After"))
		}
	}
	rows := h.attempts(6)
	if rows[0].IP != "198.51.100.6" || rows[0].User != "carol" || rows[0].Reason != ReasonRateLimitedUser {
		t.Errorf("journal row %+v, want rate_limited_user by carol from 198.51.100.6", rows[0])
	}
}
