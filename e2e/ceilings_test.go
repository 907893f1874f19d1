package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestConnectionCeilings: under a flood of concurrent handshakes,
// max_connections_per_ip and max_connections hold exactly; everything
// beyond gets 503 over_capacity with Retry-After; capacity comes back
// when connections close.
func TestConnectionCeilings(t *testing.T) {
	cfg := baseConfig(t)
	cfg.TrustedProxies = []string{"127.0.0.1/32"}
	cfg.MaxConnections = 20
	cfg.MaxConnectionsPerIP = 8
	cfg.Endpoints[0].RateLimitEnabled = false
	g := startGateway(t, cfg)

	// 30 at once from one address: exactly the per-IP ceiling gets in.
	a := g.flood(t, "192.0.2.1", 30)
	defer a.closeAll()
	if len(a.conns) != 8 {
		t.Fatalf("one address, 30 concurrent handshakes: %d accepted, want 8 (max_connections_per_ip)",
			len(a.conns))
	}
	a.checkRefusals(t)

	// 30 at once from each of two more addresses: neither passes the
	// per-IP ceiling and together they do not pass the server's.
	var b, c *flooded
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); b = g.flood(t, "192.0.2.2", 30) }()
	go func() { defer wg.Done(); c = g.flood(t, "192.0.2.3", 30) }()
	wg.Wait()
	defer b.closeAll()
	defer c.closeAll()
	if len(b.conns) > 8 || len(c.conns) > 8 {
		t.Fatalf("per-address counts %d and %d, want at most 8 each", len(b.conns), len(c.conns))
	}
	if n := len(a.conns) + len(b.conns) + len(c.conns); n > 20 {
		t.Fatalf("%d connections open after the floods, want at most 20 (max_connections)", n)
	}
	b.checkRefusals(t)
	c.checkRefusals(t)

	// Filling up one handshake at a time from fresh addresses stops at
	// exactly 20: a concurrent flood may refuse a few that would have fit
	// (slots are reserved before the per-IP check), never admit extra.
	open := len(a.conns) + len(b.conns) + len(c.conns)
	var extra []*flooded
	defer func() {
		for _, f := range extra {
			f.closeAll()
		}
	}()
	for i := 0; ; i++ {
		f := g.flood(t, fmt.Sprintf("192.0.2.%d", 10+i), 1)
		extra = append(extra, f)
		if len(f.conns) == 0 {
			f.checkRefusals(t)
			break
		}
		if open++; open > 20 {
			t.Fatalf("%d connections open, want at most 20 (max_connections)", open)
		}
	}
	if open != 20 {
		t.Fatalf("filling one at a time stopped at %d connections, want 20", open)
	}
	g.healthy()

	// Capacity returns once connections close.
	a.closeAll()
	deadline := time.Now().Add(15 * time.Second)
	for {
		d := g.flood(t, "192.0.2.4", 1)
		if len(d.conns) == 1 {
			d.closeAll()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no capacity 15s after 8 connections closed: %v", d.refusals)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// flooded is the outcome of a flood: the accepted connections and the
// answers to the refused handshakes.
type flooded struct {
	conns    []*websocket.Conn
	refusals []answer
}

// flood starts n handshakes at once on /ws/echo claiming addr (through
// the trusted proxy; "" claims nothing), and keeps the ones that succeed
// open.
func (g *gateway) flood(t *testing.T, addr string, n int) *flooded {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	f := &flooded{}
	// mu guards f's slices.
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			opts := &websocket.DialOptions{}
			if addr != "" {
				opts.HTTPHeader = forwarded(addr)
			}
			conn, a, err := g.dial(ctx, "/ws/echo", opts)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				f.conns = append(f.conns, conn)
			case a.status == 0:
				t.Errorf("flood handshake from %s: %v", addr, err)
			default:
				f.refusals = append(f.refusals, a)
			}
		}()
	}
	close(start)
	wg.Wait()
	return f
}

// checkRefusals fails unless every refusal is 503 over_capacity with a
// Retry-After header.
func (f *flooded) checkRefusals(t *testing.T) {
	t.Helper()
	for _, a := range f.refusals {
		if a.status != http.StatusServiceUnavailable || a.reason != "over_capacity" || a.retryAfter == "" {
			t.Errorf("refused handshake: got %d %q Retry-After %q, want 503 over_capacity with Retry-After",
				a.status, a.reason, a.retryAfter)
		}
	}
}

// closeAll closes every accepted connection; safe to call twice.
func (f *flooded) closeAll() {
	for _, c := range f.conns {
		c.CloseNow()
	}
	f.conns = nil
}

// TestDescriptorExhaustion: with the process's descriptor limit far below
// the connections clients open, wsgate reports the exhaustion in its log,
// stays up, and serves normally once the descriptors are free again.
func TestDescriptorExhaustion(t *testing.T) {
	cfg := baseConfig(t)
	cfg.HeaderTimeout = "60s" // the idle clients must not be cut off first
	// The server passes net/http's accept errors to its log at debug
	// level (server/server.go, http.Server.ErrorLog), so the test asks for
	// debug; at the default level the exhaustion leaves no line at all.
	g := startGatewayNofile(t, cfg, 64, "--log-level", "debug")

	// 100 clients that connect and send half a request: more than the 64
	// descriptors the server may hold, counting its own files.
	var conns []*rawConn
	for i := 0; i < 100; i++ {
		c := g.rawDial(t)
		c.write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n"))
		conns = append(conns, c)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(g.log.String(), "too many open files") {
		if time.Now().After(deadline) {
			t.Fatalf("no \"too many open files\" in the log 20s into the exhaustion; log:\n%s", g.log.String())
		}
		if !g.alive() {
			t.Fatalf("wsgate exited under descriptor exhaustion; log:\n%s", g.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	for _, c := range conns {
		c.nc.Close()
	}
	deadline = time.Now().Add(20 * time.Second)
	for {
		resp, err := g.client.Get(g.url("/healthz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz still failing 20s after the descriptors were freed: %v; log:\n%s",
				err, g.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !g.alive() {
		t.Fatalf("wsgate exited after descriptor exhaustion; log:\n%s", g.log.String())
	}
	g.wellBehaved(t)
}

// TestCapacityNotLeaked: handshakes that fail or vanish halfway give
// their capacity slot back: after many of them, a client can still open
// as many connections as max_connections_per_ip allows.
func TestCapacityNotLeaked(t *testing.T) {
	cfg := baseConfig(t)
	cfg.MaxConnectionsPerIP = 3
	cfg.Endpoints[0].RateLimitEnabled = false
	g := startGateway(t, cfg)

	for i := 0; i < 20; i++ {
		// A key that is not 16 bytes of base64: refused by the upgrade.
		c := g.rawDial(t)
		req := strings.Replace(upgradeRequest(cfg.Listen, "/ws/echo"),
			"Sec-WebSocket-Key: ", "Sec-WebSocket-Key: x", 1)
		c.write([]byte(req))
		if resp := c.readResponse(); resp.StatusCode == http.StatusSwitchingProtocols {
			t.Fatalf("handshake with a malformed key: got 101, want a refusal")
		}
		c.nc.Close()

		// Gone before the answer.
		c = g.rawDial(t)
		c.write([]byte(upgradeRequest(cfg.Listen, "/ws/echo")))
		c.nc.Close()

		// Upgraded, then dropped without a close frame.
		c, _ = g.rawUpgrade(t, "/ws/echo")
		c.nc.Close()
	}

	deadline := time.Now().Add(15 * time.Second)
	for {
		f := g.flood(t, "", 3)
		n := len(f.conns)
		f.closeAll()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("15s after 60 failed or abandoned handshakes: %d of 3 connections admitted (%v)",
				n, f.refusals)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
