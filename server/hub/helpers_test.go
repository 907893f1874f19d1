package hub

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// testTimeout bounds every wait of a test; nothing should come near it.
const testTimeout = 10 * time.Second

// fakeClock is an injected clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testServer serves one hub endpoint over loopback. The query parameters
// user, perms (comma separated) and channel fill the connection's Meta.
type testServer struct {
	hub *Hub
	ep  *Endpoint
	url string
}

func chatEndpoint() *Endpoint {
	return &Endpoint{
		Path:            "/ws/chat",
		Handler:         HandlerChannels,
		MaxMessageBytes: 4096,
		ChannelPattern:  regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`),
		AllowedHandlers: []string{"publish", "change_channel"},
		MaxViolations:   10,
	}
}

func newTestServer(t *testing.T, opts *Options, ep *Endpoint) *testServer {
	t.Helper()
	h := New(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		h.Shutdown(ctx, 0)
	})
	return serveEndpoint(t, h, ep)
}

// serveEndpoint serves one more endpoint of hub h on its own server.
func serveEndpoint(t *testing.T, h *Hub, ep *Endpoint) *testServer {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		q := r.URL.Query()
		m := Meta{User: q.Get("user"), Channel: q.Get("channel"), IP: "127.0.0.1"}
		if p := q.Get("perms"); p != "" {
			m.Perms = strings.Split(p, ",")
		}
		h.Serve(r.Context(), c, ep, m)
	}))
	t.Cleanup(srv.Close) // runs before the hub's Shutdown
	return &testServer{hub: h, ep: ep, url: "ws" + strings.TrimPrefix(srv.URL, "http") + ep.Path}
}

// dial opens a client connection with the given query and waits until
// the hub has registered it.
func (ts *testServer) dial(t *testing.T, query string) *websocket.Conn {
	t.Helper()
	before := ts.hub.Count(ts.ep.Path)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, ts.url+"?"+query, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { c.CloseNow() })
	waitFor(t, "connection registered", func() bool { return ts.hub.Count(ts.ep.Path) > before })
	return c
}

// dialSmallBuffer dials with a 4 KiB socket receive buffer, which also
// turns off the kernel's buffer autotuning (up to 32 MiB on loopback), so
// that a client that stops reading blocks the hub's writer soon.
func (ts *testServer) dialSmallBuffer(t *testing.T, query string) *websocket.Conn {
	t.Helper()
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		rc.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return err
	}}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	before := ts.hub.Count(ts.ep.Path)
	c, _, err := websocket.Dial(ctx, ts.url+"?"+query, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	waitFor(t, "connection registered", func() bool { return ts.hub.Count(ts.ep.Path) > before })
	return c
}

// waitFor polls cond until it holds or the test timeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func send(t *testing.T, c *websocket.Conn, frame string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		t.Fatalf("write %s: %v", frame, err)
	}
}

// recv reads one text message and decodes it into a map.
func recv(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, p, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(p, &m); err != nil {
		t.Fatalf("decode %s: %v", p, err)
	}
	return m
}

// closeOf reads until the connection ends and returns the close frame's
// code and reason.
func closeOf(t *testing.T, c *websocket.Conn) (websocket.StatusCode, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errorsAs(err, &ce) {
			t.Fatalf("read ended without a close frame: %v", err)
		}
		return ce.Code, ce.Reason
	}
}

// wsConn is the client side of a test connection.
type wsConn = websocket.Conn
