package e2e

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestInvalidFrames: frames that break RFC 6455 end the connection with
// the close code the RFC asks for, and the server serves others.
func TestInvalidFrames(t *testing.T) {
	g := startGateway(t, baseConfig(t))

	text := []byte(`{"handler":"publish","data":1}`)
	tests := []struct {
		name  string
		path  string
		frame []byte
		want  int // close code; 0 means "closed, with or without a close frame"
	}{
		{"reserved data opcode 0x3", "/ws/chat", frame(true, false, 0x3, text, true), 1002},
		{"reserved control opcode 0xB", "/ws/chat", frame(true, false, 0xB, nil, true), 1002},
		{"rsv1 without an extension", "/ws/chat", frame(true, true, opText, text, true), 1002},
		{"continuation without a start", "/ws/chat", frame(true, false, 0x0, text, true), 1002},
		{"fragmented ping", "/ws/chat", frame(false, false, opPing, nil, true), 1002},
		{"ping over 125 bytes", "/ws/chat", frame(true, false, opPing, bytes.Repeat([]byte("p"), 126), true), 1002},
		{"invalid UTF-8 in a text frame", "/ws/chat",
			frame(true, false, opText, []byte("{\"handler\":\"\xff\xfe\"}"), true), 1007},
		{"binary frame on channels", "/ws/chat", frame(true, false, opBinary, text, true), 1003},
		{"frame over max_message_bytes", "/ws/chat",
			frame(true, false, opText, bytes.Repeat([]byte("x"), 8192), true), 1009},
		// RFC 6455 section 5.1: the server must close on an unmasked
		// frame; coder/websocket drops the TCP connection for it.
		{"unmasked client frame", "/ws/chat", frame(true, false, opText, text, false), 0},
		{"unmasked frame on echo", "/ws/echo", frame(true, false, opText, text, false), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := g.rawUpgrade(t, tt.path)
			c.write(tt.frame)
			code, err := c.readClose(10 * time.Second)
			switch {
			case tt.want == 0 && (err == nil || errors.Is(err, errNoCloseFrame)):
			case err != nil:
				t.Fatalf("got %v, want close %d", err, tt.want)
			case code != tt.want:
				t.Fatalf("got close %d, want %d", code, tt.want)
			}
			if !c.waitClosed(10 * time.Second) {
				t.Fatalf("connection still open 10s after the close")
			}
		})
	}
	g.wellBehaved(t)
}

// TestRepeatedViolations: a client that keeps sending frames no handler
// accepts gets an error for each, and is closed with 1008 once it has
// made more than max_violations in a minute.
func TestRepeatedViolations(t *testing.T) {
	cfg := baseConfig(t)
	cfg.MaxViolations = 3
	g := startGateway(t, cfg)

	c, _ := g.rawUpgrade(t, "/ws/chat")
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	expect := func(what string) []byte {
		t.Helper()
		op, payload, err := c.readFrame()
		if err != nil || op != opText || !bytes.Contains(payload, []byte(what)) {
			t.Fatalf("got frame %#x %q (%v), want %s", op, payload, err, what)
		}
		return payload
	}
	// Up to max_violations: an error answer each, and the connection
	// still works.
	for _, msg := range []string{`not json`, `{"no":"handler"}`, `{"handler":"_internal"}`} {
		c.write(frame(true, false, opText, []byte(msg), true))
		expect(`"type":"error"`)
	}
	c.write(frame(true, false, opText, []byte(`{"handler":"change_channel","channel":"ok"}`), true))
	expect(`"type":"channel"`)

	// One more: closed with 1008 (an error answer may come first).
	c.write(frame(true, false, opText, []byte(`{"handler":"nope"}`), true))
	code, err := c.readClose(10 * time.Second)
	if err != nil || code != 1008 {
		t.Fatalf("violation 4 of max 3: got close %d (%v), want 1008", code, err)
	}
	g.wellBehaved(t)
}

// TestPingFloodWithoutReading: a client that floods pings and never reads
// the pongs cannot make the server buffer them: the connection ends once
// the pongs back up, and others are served meanwhile.
func TestPingFloodWithoutReading(t *testing.T) {
	g := startGateway(t, baseConfig(t))
	c := g.rawDialSmallBuffer(t)
	c.write([]byte(upgradeRequest(g.cfg.Listen, "/ws/echo")))
	if resp := c.readResponse(); resp.StatusCode != 101 {
		t.Fatalf("handshake: got %d, want 101", resp.StatusCode)
	}

	// 125-byte pings (the largest allowed), 64 KiB at a time, until the
	// server stops taking them or 64 MiB have gone out: pongs for all of
	// them would be 64 MiB the client never reads.
	ping := bytes.Repeat(frame(true, false, opPing, bytes.Repeat([]byte("p"), 125), true), 64<<10/135)
	sent := 0
	for ; sent < 64<<20; sent += len(ping) {
		c.nc.SetWriteDeadline(time.Now().Add(15 * time.Second))
		if _, err := c.nc.Write(ping); err != nil {
			break
		}
	}
	g.wellBehaved(t)
	if !c.waitClosed(30 * time.Second) {
		t.Fatalf("ping flood of %d bytes: connection still open", sent)
	}
	g.wellBehaved(t)
}

// TestMessageFlood: a connection that keeps sending over message_rate is
// told so, then closed with 4429 and a retry hint, and others are served.
func TestMessageFlood(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Endpoints[1].MessageRate, cfg.Endpoints[1].MessageBurst = 5, 5
	g := startGateway(t, cfg)
	c, _ := g.rawUpgrade(t, "/ws/chat")

	// Send 100 messages a second from one goroutine while this one reads;
	// the sender stops after 15 s or when the connection ends.
	stop := make(chan struct{})
	defer close(stop)
	msg := frame(true, false, opText, []byte(`{"handler":"publish","data":"flood"}`), true)
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < 1500; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			c.nc.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := c.nc.Write(msg); err != nil {
				return
			}
		}
	}()

	told := false
	c.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		op, payload, err := c.readFrame()
		if err != nil {
			t.Fatalf("reading during the flood: %v (told rate_limited: %v), want close 4429", err, told)
		}
		if op == opText && bytes.Contains(payload, []byte(`"rate_limited"`)) {
			told = true
		}
		if op != opClose {
			continue
		}
		code := 0
		if len(payload) >= 2 {
			code = int(payload[0])<<8 | int(payload[1])
		}
		if code != 4429 || !bytes.Contains(payload, []byte("retry_after_ms")) {
			t.Fatalf("flood closed with %d %q, want 4429 with retry_after_ms", code, payload)
		}
		break
	}
	if !told {
		t.Errorf("closed with 4429 without a rate_limited error first")
	}
	g.wellBehaved(t)
}

// TestCompressionBomb: a client offering permessage-deflate does not get
// it, so a small compressed frame cannot inflate into a huge message. If a
// later version negotiates compression, the inflated size must still be
// bounded by max_message_bytes (close 1009), which the second half checks.
func TestCompressionBomb(t *testing.T) {
	g := startGateway(t, baseConfig(t))

	offer := "Sec-WebSocket-Extensions: permessage-deflate; " +
		"client_no_context_takeover; server_no_context_takeover"
	c, resp := g.rawUpgrade(t, "/ws/chat", offer)
	ext := resp.Header.Get("Sec-WebSocket-Extensions")
	if ext != "" {
		t.Logf("server negotiated %q; checking that inflation is bounded", ext)
	}

	// 16 MiB of spaces deflate to about 16 KiB.
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestCompression)
	fw.Write(bytes.Repeat([]byte(" "), 16<<20))
	fw.Close()
	bomb := bytes.TrimSuffix(z.Bytes(), []byte{0x00, 0x00, 0xff, 0xff})
	c.write(frame(true, true, opText, bomb, true))

	code, err := c.readClose(10 * time.Second)
	if err != nil {
		t.Fatalf("after the bomb: %v, want a close frame", err)
	}
	want := 1002 // rsv1 set without the extension
	if ext != "" {
		want = 1009
	}
	if code != want {
		t.Fatalf("after the bomb (extensions %q): got close %d, want %d", ext, code, want)
	}
	g.wellBehaved(t)
}

// TestNeverReadingSubscriber: a subscriber that never reads while another
// client publishes a lot is closed once its send queue is full; the server
// does not buffer for it without limit, and a reading subscriber in the
// same channel keeps receiving every message.
func TestNeverReadingSubscriber(t *testing.T) {
	cfg := baseConfig(t)
	chat := &cfg.Endpoints[1]
	chat.MaxMessageBytes = 64 << 10
	chat.MessageRate, chat.MessageBurst = 100000, 100000
	g := startGateway(t, cfg)

	// The stuck subscriber has a tiny receive buffer, so the kernel holds
	// little for it and the server's queue has to fill.
	stuck := g.rawDialSmallBuffer(t)
	stuck.write([]byte(upgradeRequest(cfg.Listen, "/ws/chat?channel=flood")))
	if resp := stuck.readResponse(); resp.StatusCode != 101 {
		t.Fatalf("stuck subscriber's handshake: got %d, want 101", resp.StatusCode)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	reader := g.mustDial(t, "/ws/chat?channel=flood")
	defer reader.CloseNow()
	reader.SetReadLimit(1 << 20)
	pub := g.mustDial(t, "/ws/chat?channel=flood")
	defer pub.CloseNow()
	pub.SetReadLimit(1 << 20)

	// 600 messages of 30 KiB, 18 MiB in all: more than loopback's socket
	// buffers (4 MiB each way at most here) and any sane send queue. The
	// publisher stays at most 64 messages ahead of the slower reading
	// client, so only the stuck one can ever fall behind.
	const messages, ahead = 600, 64
	payload := strings.Repeat("z", 30<<10)
	var wg sync.WaitGroup
	counts := [2]atomic.Int64{}
	for i, c := range []*websocket.Conn{reader, pub} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			countMessages(ctx, c, messages, &counts[i])
		}()
	}
	for i := 0; i < messages; i++ {
		for min(counts[0].Load(), counts[1].Load()) < int64(i-ahead) {
			if ctx.Err() != nil {
				t.Fatalf("reading clients stuck at %d and %d of %d messages",
					counts[0].Load(), counts[1].Load(), i)
			}
			time.Sleep(time.Millisecond)
		}
		msg := fmt.Sprintf(`{"handler":"publish","data":{"n":%d,"pad":%q}}`, i, payload)
		if err := pub.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	wg.Wait()
	for i := range counts {
		if n := counts[i].Load(); n != messages {
			t.Errorf("reading client %d got %d messages, want %d", i, n, messages)
		}
	}

	// Now read what the stuck client was sent: it must end in the server
	// closing the connection, not in the rest of the 18 MiB.
	if !stuck.waitClosed(20 * time.Second) {
		t.Fatalf("never-reading subscriber still connected after the flood")
	}
	if n := g.metric(t, "wsgate_slow_consumers_total", `endpoint="/ws/chat"`); n != 1 {
		t.Errorf("wsgate_slow_consumers_total: got %v, want 1 (the stuck subscriber only)", n)
	}
	g.wellBehaved(t)
}

// countMessages reads until want publish messages arrived or ctx ends,
// counting them in n.
func countMessages(ctx context.Context, c *websocket.Conn, want int64, n *atomic.Int64) {
	for n.Load() < want {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if bytes.Contains(b, []byte(`"type":"message"`)) {
			n.Add(1)
		}
	}
}

// rawDialSmallBuffer is rawDial with a 4 KiB receive buffer.
func (g *gateway) rawDialSmallBuffer(t *testing.T) *rawConn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}}
	nc, err := d.Dial("tcp", g.cfg.Listen)
	if err != nil {
		t.Fatalf("dial tcp: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, br: bufio.NewReader(nc)}
}
