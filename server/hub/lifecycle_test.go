package hub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestTimeoutsClose4408(t *testing.T) {
	tests := []struct {
		name       string
		idle, max  time.Duration
		wantReason string
	}{
		{"idle", 50 * time.Millisecond, 0, "idle timeout"},
		{"duration", 0, 50 * time.Millisecond, "max connection duration reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := chatEndpoint()
			ep.IdleTimeout, ep.MaxDuration = tt.idle, tt.max
			ts := newTestServer(t, nil, ep)
			c := ts.dial(t, "channel=a")
			code, reason := closeOf(t, c)
			if code != statusTimeout || reason != tt.wantReason {
				t.Errorf("got %v %q, want 4408 %q", code, reason, tt.wantReason)
			}
		})
	}
}

// TestMessagesKeepAnIdleConnectionOpen sends well inside the idle timeout
// for several timeouts' worth of time; the margin is wide so that a busy
// machine does not fail it.
func TestMessagesKeepAnIdleConnectionOpen(t *testing.T) {
	ep := chatEndpoint()
	ep.IdleTimeout = 800 * time.Millisecond
	ts := newTestServer(t, nil, ep)
	c := ts.dial(t, "channel=a")

	start := time.Now()
	for time.Since(start) < 2*ep.IdleTimeout {
		send(t, c, `{"handler":"publish","data":1}`)
		if got := recv(t, c); got["type"] != "message" {
			t.Fatalf("got %v, want a message", got)
		}
		time.Sleep(ep.IdleTimeout / 10)
	}
	if code, _ := closeOf(t, c); code != statusTimeout {
		t.Errorf("got %v once quiet, want 4408", code)
	}
}

func TestKeepaliveDropsPeersThatDoNotAnswer(t *testing.T) {
	rec := newRecorder()
	const every = 200 * time.Millisecond // also the pong deadline: generous on a busy machine
	ts := newTestServer(t, &Options{PingInterval: every, Observer: rec}, echoEndpoint())

	// A client reading answers pings and stays.
	alive := ts.dial(t, "")
	readCtx := alive.CloseRead(context.Background())

	// A client that never reads never answers a ping.
	ts.dial(t, "")
	waitFor(t, "silent peer dropped", func() bool { return ts.hub.Count("/ws/echo") == 1 })
	if got := rec.get("closed /ws/echo 1006"); got != 1 {
		t.Errorf("got %d abnormal closes, want 1 (%v)", got, rec)
	}

	time.Sleep(3 * every)
	if err := readCtx.Err(); err != nil || ts.hub.Count("/ws/echo") != 1 {
		t.Errorf("the answering client was dropped too")
	}
}

// TestStalledReaderDoesNotDelayOthers pushes large messages to a channel
// with a client that never reads: each message must still reach the
// reading client before the next is sent, and the stalled client is
// closed once its queue overflows, or once a write to it outlasts the
// write timeout.
func TestStalledReaderDoesNotDelayOthers(t *testing.T) {
	for name, opts := range map[string]Options{
		"queue overflow": {SendQueue: 8},
		"write timeout":  {SendQueue: 1 << 16, WriteTimeout: 100 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) { testStalledReader(t, opts) })
	}
}

func testStalledReader(t *testing.T, opts Options) {
	rec := newRecorder()
	opts.Observer = rec
	ep := chatEndpoint()
	ts := newTestServer(t, &opts, ep)
	reader := ts.dial(t, "channel=a")
	ts.dial(t, "channel=a") // stalled: never reads

	var received atomic.Int64
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			if _, _, err := reader.Read(context.Background()); err != nil {
				return
			}
			received.Add(1)
		}
	}()

	data := []byte(`"` + strings.Repeat("z", 64<<10) + `"`)
	sent := int64(0)
	for rec.get("slow /ws/chat") == 0 {
		if sent == 2000 {
			t.Fatalf("the stalled client was never closed (%v)", rec)
		}
		if got := ts.hub.Send(Target{Channel: "a"}, data); got < 1 {
			t.Fatalf("message %d: got %d deliveries, want the reader's", sent, got)
		}
		sent++
		waitFor(t, "the reader to get every message", func() bool { return received.Load() == sent })
	}

	waitFor(t, "stalled client unregistered", func() bool { return ts.hub.Count("/ws/chat") == 1 })
	if got := ts.hub.Send(Target{Channel: "a"}, data); got != 1 {
		t.Errorf("got %d deliveries after the close, want 1", got)
	}
	reader.CloseNow()
	<-readDone
}

func TestCloseConn(t *testing.T) {
	ts := newTestServer(t, nil, chatEndpoint())
	c := ts.dial(t, "channel=a&user=u")
	id := ts.hub.Conns()[0].ID

	if ts.hub.CloseConn("nope", websocket.StatusPolicyViolation, "x") {
		t.Errorf("got true for an unknown id, want false")
	}
	if !ts.hub.CloseConn(id, websocket.StatusPolicyViolation, strings.Repeat("é", 100)) {
		t.Fatalf("got false for a live id, want true")
	}
	code, reason := closeOf(t, c)
	if code != websocket.StatusPolicyViolation || len(reason) != 122 {
		t.Errorf("got %v with a %d-byte reason, want 1008 with 122 bytes", code, len(reason))
	}
	waitFor(t, "unregistered", func() bool { return len(ts.hub.Conns()) == 0 })
}

func TestConnsDescribesConnections(t *testing.T) {
	clock := newFakeClock()
	ts := newTestServer(t, &Options{Clock: clock.Now}, chatEndpoint())
	ts.dial(t, "channel=a&user=ann&perms=p")
	clock.Advance(time.Second)
	ts.dial(t, "channel=b")

	got := ts.hub.Conns()
	if len(got) != 2 {
		t.Fatalf("got %d connections, want 2", len(got))
	}
	first, second := got[0], got[1]
	if first.User != "ann" || first.Channel != "a" || first.Endpoint != "/ws/chat" ||
		first.IP != "127.0.0.1" || !first.Since.Equal(newFakeClock().Now()) || len(first.ID) != 12 {
		t.Errorf("got first %+v, want ann's connection", first)
	}
	if second.User != "" || second.Channel != "b" || second.ID == first.ID {
		t.Errorf("got second %+v, want the anonymous one in b", second)
	}
	if n := ts.hub.Count("/ws/chat"); n != 2 {
		t.Errorf("got count %d, want 2", n)
	}
}

// TestBadFrameFreesAWriterStuckOnAStalledClient: a client that stops
// reading while the hub writes to it, then breaks a rule the library
// enforces (the read limit), must still be let go, without waiting for a
// write deadline: here an hour. The library itself waits up to 5 s to
// write its 1009 behind the blocked write.
func TestBadFrameFreesAWriterStuckOnAStalledClient(t *testing.T) {
	rec := newRecorder()
	ep := chatEndpoint()
	ts := newTestServer(t, &Options{SendQueue: 1 << 16, WriteTimeout: time.Hour, Observer: rec}, ep)
	c := ts.dialSmallBuffer(t, "channel=a")

	// Far more than the socket buffers hold: the writer blocks. Wait
	// until it stopped making progress (a few seconds: the kernel grows
	// the server's send buffer as it goes).
	data := []byte(`"` + strings.Repeat("w", 64<<10) + `"`)
	for range 200 {
		ts.hub.Send(Target{Channel: "a"}, data)
	}
	for out := -1; out != rec.get("out /ws/chat"); {
		out = rec.get("out /ws/chat")
		time.Sleep(50 * time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c.Write(ctx, websocket.MessageText, make([]byte, 8192))
	waitFor(t, "the connection released", func() bool { return ts.hub.Count(ep.Path) == 0 })
}

func TestServeContextEndingClosesWith1001(t *testing.T) {
	h := New(nil)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(served)
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		h.Serve(ctx, c, echoEndpoint(), Meta{})
	}))
	defer srv.Close()

	dialCtx, stop := context.WithTimeout(context.Background(), testTimeout)
	defer stop()
	c, _, err := websocket.Dial(dialCtx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	waitFor(t, "registered", func() bool { return h.Count("/ws/echo") == 1 })

	cancel()
	if code, _ := closeOf(t, c); code != websocket.StatusGoingAway {
		t.Errorf("got %v, want 1001", code)
	}
	<-served
}
