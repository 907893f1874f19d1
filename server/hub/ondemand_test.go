package hub

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// goroutinesIn counts the goroutines whose stack passes through fn.
func goroutinesIn(fn string) int {
	var b strings.Builder
	pprof.Lookup("goroutine").WriteTo(&b, 2)
	n := 0
	for _, g := range strings.Split(b.String(), "\n\n") {
		if strings.Contains(g, fn) {
			n++
		}
	}
	return n
}

// TestIdleConnectionsHoldNoWriter checks that the writer runs only while
// there is something to write: none for idle connections, one while a
// message is echoed, none again once the queue drained, and a new one
// for the next message.
func TestIdleConnectionsHoldNoWriter(t *testing.T) {
	ts := newTestServer(t, &Options{PingInterval: time.Hour}, echoEndpoint())
	const writer = "hub.(*conn).writeLoop"
	var clients []*websocket.Conn
	for range 5 {
		clients = append(clients, ts.dial(t, ""))
	}
	if got := goroutinesIn(writer); got != 0 {
		t.Errorf("got %d writers for idle connections, want 0", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for round := range 3 {
		for i, c := range clients {
			msg := fmt.Sprintf("round %d client %d", round, i)
			if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
				t.Fatalf("write: %v", err)
			}
			_, p, err := c.Read(ctx)
			if err != nil || string(p) != msg {
				t.Fatalf("got %q, %v, want %q", p, err, msg)
			}
		}
		waitFor(t, "writers ended", func() bool { return goroutinesIn(writer) == 0 })
	}
}

// TestKeepaliveKeepsPinging answers the server's pings by hand for a few
// intervals, then stops answering: the pings must keep coming while they
// are answered, and the unanswered one must drop the connection.
func TestKeepaliveKeepsPinging(t *testing.T) {
	const every = 100 * time.Millisecond
	ts := newTestServer(t, &Options{PingInterval: every}, echoEndpoint())
	c, r := rawDial(t, ts)

	const answered = 4
	for i := range answered {
		op, payload := readFrame(t, r)
		if op != 0x9 {
			t.Fatalf("frame %d: got opcode %#x, want a ping", i, op)
		}
		writeMasked(t, c, 0xA, payload)
	}
	waitFor(t, "silent peer dropped", func() bool { return ts.hub.Count(ts.ep.Path) == 0 })
}

// rawDial opens a WebSocket connection by hand, so the test sees and
// answers control frames itself.
func rawDial(t *testing.T, ts *testServer) (net.Conn, *bufio.Reader) {
	t.Helper()
	addr := strings.TrimPrefix(strings.TrimSuffix(ts.url, ts.ep.Path), "ws://")
	c, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(testTimeout))

	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		ts.ep.Path, addr, base64.StdEncoding.EncodeToString(key))
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: got %v, %v, want 101", resp, err)
	}
	waitFor(t, "connection registered", func() bool { return ts.hub.Count(ts.ep.Path) == 1 })
	return c, r
}

// readFrame reads one short unmasked server frame.
func readFrame(t *testing.T, r *bufio.Reader) (op byte, payload []byte) {
	t.Helper()
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		t.Fatalf("read frame: %v", err)
	}
	n := int(hdr[1] & 0x7f)
	if n > 125 {
		t.Fatalf("got a %d-byte length code, want a short frame", n)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		t.Fatalf("read frame: %v", err)
	}
	return hdr[0] & 0x0f, payload
}

// writeMasked writes one short final client frame, masked as RFC 6455
// section 5.3 requires of clients.
func writeMasked(t *testing.T, c net.Conn, op byte, payload []byte) {
	t.Helper()
	var mask [4]byte
	rand.Read(mask[:])
	frame := append([]byte{0x80 | op, 0x80 | byte(len(payload))}, mask[:]...)
	for i, b := range payload {
		frame = append(frame, b^mask[i%4])
	}
	if _, err := c.Write(frame); err != nil {
		t.Fatalf("write frame: %v", err)
	}
}
