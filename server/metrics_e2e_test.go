package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"
)

// withMetrics gives a harness's server metrics over its test endpoints.
func withMetrics(o *Options) {
	paths := make([]string, 0, len(o.Endpoints))
	for _, e := range o.Endpoints {
		paths = append(paths, e.Path)
	}
	o.Metrics = NewMetrics(&MetricsOptions{Endpoints: paths, Clock: o.Clock})
}

// series is one expected sample of a scrape.
type series struct {
	name   string
	labels map[string]string
	want   float64
}

// waitScrape scrapes /metrics over HTTP until every expected sample holds,
// and fails with the last differences after a deadline.
func waitScrape(t *testing.T, base string, want []series) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		fams := scrapeURL(t, base+"/metrics")
		var diffs []string
		for _, w := range want {
			if got, _ := sampleValue(fams, w.name, w.labels); got != w.want {
				diffs = append(diffs, w.name+formatLabels(w.labels)+": got "+ftoa(got)+", want "+ftoa(w.want))
			}
		}
		if len(diffs) == 0 {
			return fams
		}
		if time.Now().After(deadline) {
			t.Fatalf("scrape differs from the sequence:\n%s", strings.Join(diffs, "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func formatLabels(l map[string]string) string {
	var b strings.Builder
	for k, v := range l {
		b.WriteString(" " + k + "=" + v)
	}
	return "{" + b.String() + " }"
}

func ftoa(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", f), "0"), ".")
}

// TestMetricsEndToEnd drives a scripted sequence of accepted and refused
// handshakes, token requests, messages and client reports through a real
// server over loopback, then scrapes /metrics over HTTP: every counter
// equals the sequence, every metric of SPEC section 7 is present, and no
// label carries the client's address, user or token.
func TestMetricsEndToEnd(t *testing.T) {
	h := newHarness(t, "", withMetrics)
	h.addUser("alice")
	evil := http.Header{"Origin": {"https://evil.example"}}

	// /ws/echo allows 5 attempts a minute per IP key; the clock moves a
	// second between attempts so each measures a reconnect interval.
	step := func() { h.clock.Advance(time.Second) }
	kept := h.mustDial("/ws/echo", nil) // attempt 1: ok
	step()
	closed := h.mustDial("/ws/echo", nil) // 2: ok
	step()
	h.refused("/ws/echo", evil) // 3: forbidden_origin, counted against the IP
	step()
	h.mustDial("/ws/echo", nil) // 4: ok
	step()
	h.mustDial("/ws/echo", nil) // 5: ok
	step()
	h.refused("/ws/echo", nil) // 6: rate_limited_ip
	step()
	h.refused("/ws/echo", nil) // 7: rate_limited_ip
	closed.Close(websocket.StatusNormalClosure, "")
	echoOnce(t, kept, "ping")

	// /ws/chat: a guessed token, then a real one.
	h.refused("/ws/chat?ws_token="+strings.Repeat("0", 64), nil) // bad_token
	step()
	session := h.login("alice")
	tok := h.token(cookie(session), "")
	chatConn := h.mustDial("/ws/chat?ws_token="+tok, cookie(session)) // ok
	badFrame(t, chatConn)
	if resp, _ := h.do("POST", "/api/ws-token", nil, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous token request: got %d, want 401", resp.StatusCode)
	}

	// Client reports: one counted, one refused as malformed.
	jsonType := http.Header{"Content-Type": {"application/json"}}
	if resp, _ := h.do("POST", "/api/client-errors", jsonType, `{"kind":"giveup","code":4401}`); resp.StatusCode != 204 {
		t.Fatalf("client report: got %d, want 204", resp.StatusCode)
	}
	h.do("POST", "/api/client-errors", jsonType, `{"kind":`)

	echo := func(result string) map[string]string {
		return map[string]string{"endpoint": "/ws/echo", "result": result}
	}
	chat := func(result string) map[string]string {
		return map[string]string{"endpoint": "/ws/chat", "result": result}
	}
	fams := waitScrape(t, h.base, []series{
		{"wsgate_connect_attempts_total", echo("ok"), 4},
		{"wsgate_connect_attempts_total", echo("forbidden_origin"), 1},
		{"wsgate_connect_attempts_total", echo("rate_limited_ip"), 2},
		{"wsgate_connect_attempts_total", echo("bad_token"), 0},
		{"wsgate_connect_attempts_total", chat("bad_token"), 1},
		{"wsgate_connect_attempts_total", chat("ok"), 1},
		{"wsgate_connect_attempts_total", chat("rate_limited_ip"), 0},
		{"wsgate_connections", map[string]string{"endpoint": "/ws/echo"}, 3},
		{"wsgate_connections", map[string]string{"endpoint": "/ws/chat"}, 1},
		{"wsgate_connections_closed_total", map[string]string{"endpoint": "/ws/echo", "code": "1000"}, 1},
		{"wsgate_messages_total", map[string]string{"endpoint": "/ws/echo", "direction": "in"}, 1},
		{"wsgate_messages_total", map[string]string{"endpoint": "/ws/echo", "direction": "out"}, 1},
		{"wsgate_protocol_violations_total", map[string]string{"endpoint": "/ws/chat", "reason": "bad_json"}, 1},
		{"wsgate_token_requests_total", map[string]string{"result": "ok"}, 1},
		{"wsgate_token_requests_total", map[string]string{"result": "authentication_required"}, 1},
		{"wsgate_login_attempts_total", map[string]string{"result": "ok"}, 1},
		{"wsgate_client_errors_total", map[string]string{"kind": "giveup"}, 1},
		// Echo attempts 2 to 7 each follow the IP key's previous one by a
		// second; the first attempts of a key have no interval.
		{"wsgate_reconnect_interval_seconds", nil, 6},
		// 9 attempts, 1 token issued, 1 token used.
		{"wsgate_journal_written_total", nil, 11},
		{"wsgate_journal_queue_depth", nil, 0},
		{"wsgate_journal_dropped_total", nil, 0},
	})

	for name := range specMetrics {
		if f := fams[name]; f == nil || len(f.GetMetric()) == 0 {
			t.Errorf("metric %s: missing from the scrape", name)
		}
	}
	if got, _ := sampleValue(fams, "wsgate_limiter_keys", map[string]string{"scope": "ip"}); got < 2 {
		t.Errorf("limiter ip keys: got %v, want at least 2 (one per endpoint)", got)
	}
	if got, _ := sampleValue(fams, "wsgate_database_bytes", nil); got <= 0 {
		t.Errorf("database bytes: got %v, want the file's size", got)
	}
	assertNoClientLabels(t, fams, []string{"127.0.0.1", "alice", tok, "evil.example"})
}

// badFrame sends a frame that is not JSON and waits for the error answer.
func badFrame(t *testing.T, c *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	for {
		_, p, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read the error frame: %v", err)
		}
		if strings.Contains(string(p), `"bad_json"`) {
			return
		}
	}
}

// TestRejectionsAreLoggedThrottled checks on a real server that a storm of
// refused handshakes from one address writes one warning, not one a try.
func TestRejectionsAreLoggedThrottled(t *testing.T) {
	h := newHarness(t, "", withMetrics)
	for range 5 {
		h.mustDial("/ws/echo", nil)
	}
	for range 40 {
		h.refused("/ws/echo", nil)
	}
	logs := h.logs.String()
	if got := strings.Count(logs, `msg="connect attempts rejected"`); got != 1 {
		t.Errorf("got %d rejection warnings for 40 refusals, want 1:\n%s", got, logs)
	}
	if !strings.Contains(logs, "key=127.0.0.1") || !strings.Contains(logs, "reason=rate_limited_ip") ||
		!strings.Contains(logs, "count=6") {
		t.Errorf("warning lacks key, reason or count:\n%s", logs)
	}

	// A minute later the maintenance sweep would write the summary.
	h.clock.Advance(time.Minute)
	h.srv.logs.sweep(h.clock.Now())
	logs = h.logs.String()
	if !strings.Contains(logs, `msg="connect attempts still rejected"`) || !strings.Contains(logs, "rejected=39") {
		t.Errorf("no summary of the other 39 refusals:\n%s", logs)
	}
}

// TestSuspiciousPatternsAreWarned checks on a real server that a reused
// token, a foreign origin and a cross-site token request are warnings
// naming the client's IP and user, never the token.
func TestSuspiciousPatternsAreWarned(t *testing.T) {
	h := newHarness(t, "", withMetrics)
	h.addUser("alice")
	session := h.login("alice")
	tok := h.token(cookie(session), "")
	h.mustDial("/ws/chat?ws_token="+tok, cookie(session)).Close(websocket.StatusNormalClosure, "")
	h.refused("/ws/chat?ws_token="+tok, cookie(session))
	h.refused("/ws/echo", http.Header{"Origin": {"https://evil.example"}})
	crossSite := cookie(session)
	crossSite.Set("Origin", "https://evil.example")
	if resp, _ := h.do("POST", "/api/ws-token", crossSite, ""); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site token request: got %d, want 403", resp.StatusCode)
	}

	logs := h.logs.String()
	for _, want := range []string{
		`msg="suspicious client" component=suspicious pattern=token_reuse ip=127.0.0.1 user=alice endpoint=/ws/chat`,
		`msg="suspicious client" component=suspicious pattern=origin_mismatch ip=127.0.0.1 user="" endpoint=/ws/echo origin=https://evil.example`,
		`msg="suspicious client" component=suspicious pattern=origin_mismatch ip=127.0.0.1 user=alice endpoint=/api/ws-token origin=https://evil.example`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, tok) {
		t.Errorf("the token appears in the logs")
	}
}

// TestClientErrorFloodBreaksNothing floods /api/client-errors on a real
// server with good, oversized and malformed reports: past the per-IP limit
// every one is refused with 429, the rest of the server answers as before,
// and only the accepted reports are counted.
func TestClientErrorFloodBreaksNothing(t *testing.T) {
	h := newHarness(t, "", withMetrics)
	jsonType := http.Header{"Content-Type": {"application/json"}}
	bodies := []string{`{"kind":"connection_lost","code":1006}`, strings.Repeat("x", 4096), `{"kind":1}`}
	statuses := map[int]int{}
	for i := range 120 {
		resp, _ := h.do("POST", "/api/client-errors", jsonType, bodies[i%len(bodies)])
		statuses[resp.StatusCode]++
	}
	// The first 30 requests (10 of each body) pass the limit; the rest are 429.
	want := map[int]int{204: 10, 413: 10, 400: 10, 429: 90}
	for code, n := range want {
		if statuses[code] != n {
			t.Errorf("status %d: got %d answers, want %d (all: %v)", code, statuses[code], n, statuses)
		}
	}

	echoOnce(t, h.mustDial("/ws/echo", nil), "still here")
	if resp, _ := h.do("GET", "/healthz", nil, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz after the flood: got %d, want 200", resp.StatusCode)
	}
	waitScrape(t, h.base, []series{
		{"wsgate_client_errors_total", map[string]string{"kind": "connection_lost"}, 10},
		{"wsgate_connect_attempts_total", map[string]string{"endpoint": "/ws/echo", "result": "ok"}, 1},
	})
}
