package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// echoOnce writes msg on c and checks that it comes back.
func echoOnce(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	_, got, err := c.Read(ctx)
	if err != nil || string(got) != msg {
		t.Fatalf("echo: got %q, %v, want %q", got, err, msg)
	}
}

func TestConnectStepOne(t *testing.T) {
	h := newHarness(t, "", nil)
	tests := []struct {
		name, method, path string
		hdr                http.Header
		want               int
		code               string
	}{
		{"wrong path", "GET", "/ws/nope", upgradeHeaders(), 404, "not_found"},
		{"wrong method", "POST", "/ws/echo", upgradeHeaders(), 405, "method_not_allowed"},
		{"not an upgrade", "GET", "/ws/echo", nil, 400, "bad_request"},
		{"no key", "GET", "/ws/echo", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}}, 400, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.do(tt.method, tt.path, tt.hdr, "")
			if resp.StatusCode != tt.want || !strings.Contains(string(body), `"error":"`+tt.code+`"`) {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, tt.want, tt.code)
			}
		})
	}
	if got := h.srv.journal.Written() + uint64(h.srv.journal.QueueDepth()); got != 0 {
		t.Errorf("step 1 refusals journaled %d attempts, want 0", got)
	}
}

func TestConnectEchoAcceptedAndJournaled(t *testing.T) {
	h := newHarness(t, "", nil)
	c := h.mustDial("/ws/echo", nil)
	echoOnce(t, c, "hello")
	rows := h.attempts(1)
	if r := rows[0]; !r.Success || r.Reason != ReasonOK || r.IP != "127.0.0.1" || r.Endpoint != "/ws/echo" || r.User != "" {
		t.Errorf("journal row %+v, want ok from 127.0.0.1 on /ws/echo, anonymous", r)
	}
}

func TestConnectForbiddenOrigin(t *testing.T) {
	h := newHarness(t, "", func(o *Options) {
		o.AllowedOrigins = []string{"https://example.com", "https://*.apps.example.org"}
	})
	tests := []struct {
		origin string
		ok     bool
	}{
		{"https://example.com", true},
		{"https://example.com:443", true},
		{"https://a.apps.example.org", true},
		{h.base, true}, // the server's own origin
		{"https://example.com.evil.tld", false},
		{"http://example.com", false},
		{"https://example.com:8443", false},
		{"https://evilexample.com", false},
		{"https://apps.example.org", false},
		{"https://a.apps.example.org.evil.tld", false},
		{"null", false},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			hdr := http.Header{"Origin": {tt.origin}}
			if tt.ok {
				h.mustDial("/ws/echo", hdr).CloseNow()
				return
			}
			resp, body := h.refused("/ws/echo", hdr)
			if resp.StatusCode != 403 || body.Error != ReasonForbiddenOrigin {
				t.Errorf("got %d %q, want 403 forbidden_origin", resp.StatusCode, body.Error)
			}
		})
		h.clock.Advance(time.Minute) // keep the IP limit out of the way
	}
}

func TestConnectOverCapacity(t *testing.T) {
	for _, tt := range []struct {
		name         string
		total, perIP int
	}{{"per ip", 100, 2}, {"whole server", 2, 100}} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "", func(o *Options) {
				o.MaxConnections, o.MaxConnectionsPerIP = tt.total, tt.perIP
			})
			a := h.mustDial("/ws/echo", nil)
			h.mustDial("/ws/echo", nil)
			resp, body := h.refused("/ws/echo", nil)
			if resp.StatusCode != 503 || body.Error != ReasonOverCapacity || resp.Header.Get("Retry-After") == "" {
				t.Errorf("got %d %q Retry-After %q, want 503 over_capacity with Retry-After",
					resp.StatusCode, body.Error, resp.Header.Get("Retry-After"))
			}
			// A closed connection frees its slot.
			a.Close(websocket.StatusNormalClosure, "")
			waitFor(t, func() bool { return h.srv.capacity.open() == 1 })
			h.mustDial("/ws/echo", nil)
		})
	}
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before the deadline")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestConnectIPLimitHTTP(t *testing.T) {
	h := newHarness(t, "", nil)
	for i := range 5 {
		h.mustDial("/ws/echo", nil).CloseNow()
		h.clock.Advance(time.Second * time.Duration(i+1)) // attempts at 0, 1, 3, 6, 10 s
	}
	// Now t = 15 s. Counting the refused attempt itself, the window
	// holds 6; it holds fewer than 5 once the attempts at 0 and 1 s have
	// left it, at 61 s: the wait is 46 s.
	resp, body := h.refused("/ws/echo", nil)
	if resp.StatusCode != 429 || body.Error != ReasonRateLimitedIP {
		t.Fatalf("got %d %q, want 429 rate_limited_ip", resp.StatusCode, body.Error)
	}
	if got := resp.Header.Get("Retry-After"); got != "46" || body.RetryAfter != 46 {
		t.Errorf("Retry-After %q, retry_after %d, want 46 and 46", got, body.RetryAfter)
	}
	// A client that waits that long and tries once is admitted.
	h.clock.Advance(46 * time.Second)
	h.mustDial("/ws/echo", nil).CloseNow()
	// At once again: refused, the window is full.
	if resp, _ = h.refused("/ws/echo", nil); resp.StatusCode != 429 {
		t.Errorf("got %d, want 429", resp.StatusCode)
	}
	// Another endpoint has its own limit.
	h.mustDial("/ws/echo-close", nil).CloseNow()

	rows := h.attempts(9)
	if rows[1].Reason != ReasonRateLimitedIP || rows[1].Success {
		t.Errorf("journal row %+v, want rate_limited_ip", rows[1])
	}
}

func TestConnectIPLimitCloseMode(t *testing.T) {
	h := newHarness(t, "", nil)
	for range 5 {
		h.mustDial("/ws/echo-close", nil).CloseNow()
	}
	h.clock.Advance(1500 * time.Millisecond)
	c := h.mustDial("/ws/echo-close", nil)
	code, reason := closeStatus(t, c)
	if code != 4429 {
		t.Fatalf("close code %d, want 4429", code)
	}
	if !strings.Contains(reason, `"retry_after_ms":58500`) || !strings.Contains(reason, ReasonRateLimitedIP) {
		t.Errorf("close reason %s, want rate_limited_ip with retry_after_ms 58500", reason)
	}
}

func TestConnectSpoofedForwardedForChangesNothing(t *testing.T) {
	h := newHarness(t, "", nil) // no trusted proxies
	for i := range 6 {
		hdr := http.Header{
			"X-Forwarded-For": {"203.0.113." + strconv.Itoa(i)},
			"Forwarded":       {"for=198.51.100." + strconv.Itoa(i)},
		}
		c, resp, err := h.dial("/ws/echo", hdr)
		if i < 5 {
			if err != nil {
				t.Fatalf("attempt %d: %v", i, err)
			}
			c.CloseNow()
			continue
		}
		if err == nil || status(resp) != 429 {
			t.Errorf("attempt 6 with a fresh forwarded address: got %d, want 429", status(resp))
		}
	}
	for _, r := range h.attempts(6) {
		if r.IP != "127.0.0.1" {
			t.Errorf("journaled ip %q, want the socket's 127.0.0.1", r.IP)
		}
	}
}

func TestConnectBadChannel(t *testing.T) {
	h := newHarness(t, "", nil)
	h.addUser("ann")
	ck := h.login("ann")
	for _, path := range []string{"/ws/chat?channel=NOT+OK", "/ws/chat?channel=", "/ws/chat?channel=" + strings.Repeat("a", 17)} {
		tok := h.token(cookie(ck), "")
		resp, body := h.refused(path+"&ws_token="+tok, cookie(ck))
		if resp.StatusCode != 400 || body.Error != ReasonBadChannel {
			t.Errorf("%s: got %d %q, want 400 bad_channel", path, resp.StatusCode, body.Error)
		}
	}
	tok := h.token(cookie(ck), "")
	h.mustDial("/ws/chat?channel=room&ws_token="+tok, cookie(ck))
	rows := h.attempts(4)
	if rows[1].Reason != ReasonBadChannel || rows[1].User != "ann" {
		t.Errorf("journal row %+v, want bad_channel by ann", rows[1])
	}
}

func TestConnectSessionUserOnAnonymousEndpoint(t *testing.T) {
	h := newHarness(t, "", nil)
	h.addUser("bob")
	ck := h.login("bob")
	h.mustDial("/ws/echo", cookie(ck))
	if rows := h.attempts(1); rows[0].User != "bob" {
		t.Errorf("journaled user %q, want bob", rows[0].User)
	}
}
