package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestIPv6RotationIsOneKey: behind a trusted proxy, an attacker cycling
// through addresses of one IPv6 /64 spends one budget and gets
// rate_limited_ip; a neighbour in another /64 is not affected.
func TestIPv6RotationIsOneKey(t *testing.T) {
	cfg := baseConfig(t)
	cfg.TrustedProxies = []string{"127.0.0.1/32"}
	g := startGateway(t, cfg)

	const max = 5 // the echo endpoint's rate_limit_max_attempts
	for i := 1; i <= 3*max; i++ {
		addr := fmt.Sprintf("2001:db8:1:2:%x::%x", i, i*7919&0xffff)
		a := g.mustProbe(t, "/ws/echo", forwarded(addr))
		switch {
		case i <= max && a.status != http.StatusSwitchingProtocols:
			t.Fatalf("attempt %d from %s: got %d %q, want 101", i, addr, a.status, a.reason)
		case i > max && (a.status != http.StatusTooManyRequests || a.reason != "rate_limited_ip"):
			t.Fatalf("attempt %d from %s: got %d %q, want 429 rate_limited_ip",
				i, addr, a.status, a.reason)
		case i > max && a.retryAfter == "":
			t.Fatalf("attempt %d: 429 without Retry-After", i)
		}
	}

	// The Forwarded header (RFC 7239) is believed the same way.
	fwd := http.Header{"Forwarded": {`for="[2001:db8:1:2:ffff::1]:4711"`}}
	if a := g.mustProbe(t, "/ws/echo", fwd); a.reason != "rate_limited_ip" {
		t.Errorf("same /64 via Forwarded: got %d %q, want rate_limited_ip", a.status, a.reason)
	}
	// Prepending a fresh address does not escape: the right-most address
	// the trusted proxy added is the client.
	spoof := forwarded("198.51.100.7, 2001:db8:1:2:abcd::1")
	if a := g.mustProbe(t, "/ws/echo", spoof); a.reason != "rate_limited_ip" {
		t.Errorf("prepended address: got %d %q, want rate_limited_ip", a.status, a.reason)
	}
	// IPv4-mapped IPv6 counts as the IPv4 address: a separate key.
	for _, addr := range []string{"2001:db8:1:3::1", "::ffff:192.0.2.7", "192.0.2.8"} {
		if a := g.mustProbe(t, "/ws/echo", forwarded(addr)); a.status != http.StatusSwitchingProtocols {
			t.Errorf("neighbour %s: got %d %q, want 101", addr, a.status, a.reason)
		}
	}
	g.wellBehaved(t)
}

// TestSpoofedForwardingIgnored: with no trusted proxies, forwarding headers
// from the peer change nothing: every attempt counts against 127.0.0.1,
// whatever address the client claims, and the journal says so.
func TestSpoofedForwardingIgnored(t *testing.T) {
	cfg := baseConfig(t)
	g := startGateway(t, cfg)

	const max = 5
	for i := 1; i <= 3*max; i++ {
		hdr := http.Header{
			"X-Forwarded-For": {fmt.Sprintf("198.51.100.%d, 203.0.113.%d", i, i)},
			"Forwarded":       {fmt.Sprintf("for=192.0.2.%d;proto=https", i)},
			"X-Real-Ip":       {fmt.Sprintf("192.0.2.%d", 100+i)},
		}
		a := g.mustProbe(t, "/ws/echo", hdr)
		want := http.StatusSwitchingProtocols
		if i > max {
			want = http.StatusTooManyRequests
		}
		if a.status != want {
			t.Fatalf("spoofed attempt %d: got %d %q, want %d", i, a.status, a.reason, want)
		}
	}

	rows := waitAttempts(t, cfg.Database, 3*max)
	for _, r := range rows {
		if r.ip != "127.0.0.1" {
			t.Errorf("journaled attempt from %q, want 127.0.0.1 (the socket's address)", r.ip)
		}
	}
}

// TestKeyFloodKeepsHotKey: a flood of distinct addresses past
// limiter_max_keys evicts old keys (the limiter stays at its bound and
// reports evictions, and the process's memory stays bounded) but does not
// reset a key that keeps attacking during the flood.
func TestKeyFloodKeepsHotKey(t *testing.T) {
	cfg := baseConfig(t)
	cfg.TrustedProxies = []string{"127.0.0.1/32"}
	cfg.LimiterMaxKeys = 500
	// Attempts without a token are refused (401) before the upgrade, so the
	// flood costs one HTTP round trip each on kept-alive connections.
	cfg.Endpoints = append(cfg.Endpoints, endpoint{
		Path: "/ws/private", Handler: "echo", RequireToken: true,
		RateLimitEnabled: true, MaxAttempts: 3, Window: "1h",
	})
	g := startGateway(t, cfg)

	const hot = "203.0.113.66"
	hotIsLimited := func(when string) {
		t.Helper()
		a := g.mustProbe(t, "/ws/private", forwarded(hot))
		if a.status != http.StatusTooManyRequests || a.reason != "rate_limited_ip" {
			t.Fatalf("hot key %s: got %d %q, want 429 rate_limited_ip", when, a.status, a.reason)
		}
	}
	for i := 0; i < 3; i++ {
		if a := g.mustProbe(t, "/ws/private", forwarded(hot)); a.reason != "bad_token" {
			t.Fatalf("hot key attempt %d: got %d %q, want 401 bad_token", i+1, a.status, a.reason)
		}
	}
	hotIsLimited("before the flood")
	// A cold key, limited once and then quiet, is the kind the LRU drops:
	// it shows that the flood really evicts.
	const cold = "203.0.113.77"
	for i := 0; i < 4; i++ {
		g.mustProbe(t, "/ws/private", forwarded(cold))
	}

	flood := func(from, to int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := from + w; i < to; i += 4 {
					addr := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
					a, err := g.probe("/ws/private", forwarded(addr))
					if err == nil && a.reason != "bad_token" {
						err = fmt.Errorf("flood key %s: got %d %q, want bad_token", addr, a.status, a.reason)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}

	// Flood with 40 times the key bound while the hot key keeps
	// attacking: every 200 new keys, well inside the 500 an LRU of that
	// bound must see before it drops a key. (Up to 1,535 keys the limiter
	// is one exact LRU; above that it is sharded, and the hot key would
	// have to come back within its shard's share of the flood.)
	var rssBefore int
	for from := 0; from < 20000; from += 200 {
		if from == 1000 {
			rssBefore = g.rssKB()
		}
		flood(from, from+200)
		hotIsLimited(fmt.Sprintf("after %d flood keys", from+200))
	}
	rssAfter := g.rssKB()
	if a := g.mustProbe(t, "/ws/private", forwarded(cold)); a.reason != "bad_token" {
		t.Errorf("cold key after the flood: got %d %q, want 401 bad_token (evicted, a fresh budget)",
			a.status, a.reason)
	}

	keys := g.metric(t, "wsgate_limiter_keys", `scope="ip"`)
	evictions := g.metric(t, "wsgate_limiter_evictions_total", `scope="ip"`)
	if keys > float64(cfg.LimiterMaxKeys) {
		t.Errorf("wsgate_limiter_keys{scope=\"ip\"}: got %v, want at most %d", keys, cfg.LimiterMaxKeys)
	}
	if evictions < 19000 {
		t.Errorf("wsgate_limiter_evictions_total{scope=\"ip\"}: got %v, want at least 19000", evictions)
	}
	// The metrics above check the limiter's own bound. Resident memory is
	// the coarse check for anything else kept per attempt: a goroutine or
	// a buffer for each of 19,000 attempts would be over 100 MiB, while
	// the bound leaves room for the garbage collector's timing.
	if grown := rssAfter - rssBefore; grown > 64<<10 {
		t.Errorf("resident memory grew by %d KiB over 19000 evicted keys, want under 64 MiB", grown)
	}
	// No metric label carries an address.
	m := g.metricsText(t)
	for _, addr := range []string{hot, cold, "10.0.1.0"} {
		if strings.Contains(m, addr) {
			t.Errorf("/metrics names the client address %s", addr)
		}
	}
	g.wellBehaved(t)
}
