package e2e

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSlowloris: a client that sends its request headers a byte at a time
// is cut off by header_timeout, while many of them at once do not keep an
// honest client out.
func TestSlowloris(t *testing.T) {
	cfg := baseConfig(t)
	cfg.HeaderTimeout = "1s"
	g := startGateway(t, cfg)

	// Twenty slow clients, each dribbling one header byte every 100ms: a
	// header block that would take 30 s to complete.
	const slow = 20
	conns := make([]*rawConn, slow)
	for i := range conns {
		conns[i] = g.rawDial(t)
		conns[i].write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n"))
	}
	g.wellBehaved(t)

	// Keep dribbling until the server hangs up on every one of them; a
	// server without a header timeout lets this run into the deadline.
	header := []byte("X-Slow: " + strings.Repeat("a", 300) + "\r\n")
	cut := make([]bool, slow)
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; countTrue(cut) < slow; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d slowloris clients still connected after 15s "+
				"with header_timeout = 1s", slow-countTrue(cut), slow)
		}
		for j, c := range conns {
			if !cut[j] {
				cut[j] = dribble(c.nc, header[i%len(header)])
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	g.wellBehaved(t)
}

// dribble sends one byte and reports whether the server has hung up.
func dribble(nc net.Conn, b byte) bool {
	nc.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := nc.Write([]byte{b}); err != nil {
		return true
	}
	// The server closes without answering (net/http's header timeout) or
	// with a 408; either way the read ends. A read that times out means
	// the connection is still open.
	nc.SetReadDeadline(time.Now().Add(time.Millisecond))
	var buf [512]byte
	_, err := nc.Read(buf[:])
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// TestOversizedHeaders: request headers over max_header_bytes get 431, on a
// WebSocket endpoint as on any other path, and the server goes on.
func TestOversizedHeaders(t *testing.T) {
	cfg := baseConfig(t)
	cfg.MaxHeaderBytes = 4096
	g := startGateway(t, cfg)

	// net/http allows a few KiB of slack over MaxHeaderBytes, so send far
	// more than the limit.
	big := "X-Big: " + strings.Repeat("b", 64<<10)
	for _, path := range []string{"/ws/echo", "/healthz"} {
		c := g.rawDial(t)
		c.write([]byte(upgradeRequest(cfg.Listen, path, big)))
		resp := c.readResponse()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%s with 64 KiB of headers: got %d, want 431", path, resp.StatusCode)
		}
	}

	// Many header lines, each small, add up the same way.
	var many []string
	for i := 0; i < 2000; i++ {
		many = append(many, "X-Many: 0123456789abcdef0123456789")
	}
	c := g.rawDial(t)
	c.write([]byte(upgradeRequest(cfg.Listen, "/ws/echo", many...)))
	if resp := c.readResponse(); resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("2000 header lines: got %d, want 431", resp.StatusCode)
	}
	g.wellBehaved(t)
}

// TestStalledHandshakes: clients that start a handshake and go silent, at
// either side of the upgrade, do not keep the server from serving others,
// and the ones that were upgraded are closed by idle_timeout.
func TestStalledHandshakes(t *testing.T) {
	cfg := baseConfig(t)
	cfg.HeaderTimeout = "1s"
	cfg.Endpoints[1].IdleTimeout = "2s"
	g := startGateway(t, cfg)

	// Half a handshake request: the headers never end.
	var halves []*rawConn
	for i := 0; i < 20; i++ {
		c := g.rawDial(t)
		req := upgradeRequest(cfg.Listen, "/ws/chat")
		c.write([]byte(req[:len(req)-2]))
		halves = append(halves, c)
	}
	// A whole handshake request whose answer is never read, and which then
	// never sends a frame.
	var silent []*rawConn
	for i := 0; i < 20; i++ {
		c := g.rawDial(t)
		c.write([]byte(upgradeRequest(cfg.Listen, "/ws/chat")))
		silent = append(silent, c)
	}
	g.wellBehaved(t)

	for i, c := range halves {
		if !c.waitClosed(15 * time.Second) {
			t.Fatalf("half-sent handshake %d still open after 15s with header_timeout = 1s", i)
		}
	}
	// Half of the silent clients look at what they got: the 101, then a
	// 4408 close. The other half never answer and are dropped anyway.
	for i, c := range silent {
		if i%2 == 0 {
			if resp := c.readResponse(); resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("silent client %d: got %d, want 101", i, resp.StatusCode)
			}
			if code, err := c.readClose(20 * time.Second); err != nil || code != 4408 {
				t.Fatalf("silent client %d: got close %d (%v), want 4408 (idle_timeout)", i, code, err)
			}
		}
		if !c.waitClosed(20 * time.Second) {
			t.Fatalf("silent upgraded client %d still open after 20s with idle_timeout = 2s", i)
		}
	}
	g.wellBehaved(t)
}

// TestMaxConnectionDuration: a busy connection still ends when
// max_connection_duration is reached, with 4408.
func TestMaxConnectionDuration(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Endpoints[1].MaxDuration = "2s"
	g := startGateway(t, cfg)
	c, _ := g.rawUpgrade(t, "/ws/chat")

	ping := frame(true, false, opText, []byte(`{"handler":"change_channel","channel":"busy"}`), true)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c.write(ping)
		c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		op, payload, err := c.readFrame()
		if err != nil {
			t.Fatalf("busy connection: %v, want a 4408 close", err)
		}
		if op == opClose {
			if len(payload) < 2 || int(payload[0])<<8|int(payload[1]) != 4408 {
				t.Fatalf("busy connection closed with %q, want 4408", payload)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("busy connection still open 20s after max_connection_duration = 2s")
}

// TestRejectCloseSilentClients: with reject_mode = "close" a refused
// handshake is upgraded so a browser can read the 4429 and its retry
// hint; clients that never answer that close cannot make the server keep
// the connections.
func TestRejectCloseSilentClients(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Endpoints[0].RejectMode = "close"
	cfg.Endpoints[0].MaxAttempts = 2
	g := startGateway(t, cfg)

	for i := 0; i < 2; i++ {
		c, _ := g.rawUpgrade(t, "/ws/echo")
		c.nc.Close()
	}
	var silent []*rawConn
	for i := 0; i < 30; i++ {
		c, _ := g.rawUpgrade(t, "/ws/echo")
		silent = append(silent, c)
	}

	// The first one reads its close frame (without answering it) to check
	// the code and the hint; none of them ever sends a close frame.
	c := silent[0]
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	op, payload, err := c.readFrame()
	if err != nil || op != opClose || len(payload) < 2 {
		t.Fatalf("refused in close mode: got frame %#x %q (%v), want a close frame", op, payload, err)
	}
	code := int(payload[0])<<8 | int(payload[1])
	if code != 4429 || !strings.Contains(string(payload[2:]), `"retry_after_ms"`) {
		t.Fatalf("refused in close mode: got %d %q, want 4429 with retry_after_ms", code, payload[2:])
	}
	g.wellBehaved(t)
	for i, c := range silent {
		if !c.waitClosed(15 * time.Second) {
			t.Fatalf("refused client %d that never answered the close is still connected after 15s", i)
		}
	}
	g.wellBehaved(t)
}

// TestSlowBody: a client that sends a POST body a byte at a time is cut
// off once twice the header timeout has passed; it holds neither its
// connection nor a graceful shutdown.
func TestSlowBody(t *testing.T) {
	cfg := baseConfig(t)
	cfg.HeaderTimeout = "1s"
	cfg.DrainTimeout = "1s"
	g := startGateway(t, cfg)
	c := g.rawDial(t)
	c.write([]byte(fmt.Sprintf("POST /api/login HTTP/1.1\r\nHost: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", cfg.Listen)))
	deadline := time.Now().Add(30 * time.Second)
	for !dribble(c.nc, ' ') {
		if time.Now().After(deadline) {
			t.Fatalf("slow body still connected after 30s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code := g.stop(); code != 0 {
		t.Errorf("exit code after SIGTERM: got %d, want 0", code)
	}
}
