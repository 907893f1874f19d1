package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// TestConnectCloseModeCodes checks the close codes of reject_mode =
// "close" for the refusals not covered elsewhere.
func TestConnectCloseModeCodes(t *testing.T) {
	h := newHarness(t, "", func(o *Options) { o.MaxConnectionsPerIP = 1 })
	h.addUser("ann")
	ann := h.login("ann")

	c := h.mustDial("/ws/echo-close", http.Header{"Origin": {"https://example.com.evil.tld"}})
	if code, reason := closeStatus(t, c); code != 4403 || !strings.Contains(reason, ReasonForbiddenOrigin) {
		t.Errorf("forbidden origin: close %d %q, want 4403", code, reason)
	}

	tok := h.token(cookie(ann), "")
	c = h.mustDial("/ws/chat-close?channel=BAD!&ws_token="+tok, cookie(ann))
	if code, reason := closeStatus(t, c); code != websocket.StatusPolicyViolation || !strings.Contains(reason, ReasonBadChannel) {
		t.Errorf("bad channel: close %d %q, want 1008", code, reason)
	}

	h.mustDial("/ws/echo-close", nil) // holds the IP's only slot
	waitFor(t, func() bool { return h.srv.capacity.open() == 1 })
	c = h.mustDial("/ws/echo-close", nil)
	code, reason := closeStatus(t, c)
	if code != 4503 || !strings.Contains(reason, `"retry_after_ms":5000`) {
		t.Errorf("over capacity: close %d %q, want 4503 with retry_after_ms 5000", code, reason)
	}
}

func TestDecideIPv6PrefixKeys(t *testing.T) {
	h := newHarness(t, "", nil)
	ep := h.srv.endpoints["/ws/echo"]
	try := func(remote string) string {
		r, _ := http.NewRequest("GET", "/ws/echo", nil)
		r.Header, r.RemoteAddr = upgradeHeaders(), remote
		var a attempt
		h.srv.decide(r.Context(), r, ep, h.clock.Now(), &a)
		if a.slot {
			h.srv.capacity.release(a.ipKey)
		}
		return a.reason
	}
	// Five addresses of one /64 share its key...
	for i := range 5 {
		if got := try("[2001:db8:1:2::" + string(rune('1'+i)) + "]:5000"); got != ReasonOK {
			t.Fatalf("attempt %d: %s, want ok", i, got)
		}
	}
	if got := try("[2001:db8:1:2:ffff::9]:5000"); got != ReasonRateLimitedIP {
		t.Errorf("sixth address of the /64: %s, want rate_limited_ip", got)
	}
	// ...another /64 has its own, and an IPv4-mapped address counts as IPv4.
	if got := try("[2001:db8:1:3::1]:5000"); got != ReasonOK {
		t.Errorf("another /64: %s, want ok", got)
	}
	for range 5 {
		try("192.0.2.10:1")
	}
	if got := try("[::ffff:192.0.2.10]:1"); got != ReasonRateLimitedIP {
		t.Errorf("mapped IPv4 after five plain attempts: %s, want rate_limited_ip", got)
	}
}

func TestConnectRateLimitDisabled(t *testing.T) {
	h := newHarness(t, "", func(o *Options) {
		for i := range o.Endpoints {
			o.Endpoints[i].RateLimitEnabled = false
		}
	})
	for range 8 {
		h.mustDial("/ws/echo", nil).CloseNow()
	}
	for _, r := range h.attempts(8) {
		if r.Reason != ReasonOK {
			t.Errorf("journal row %+v, want ok: no limit, still journaled", r)
		}
	}
}
