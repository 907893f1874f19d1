package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/wsgate/wsgate/persist"
)

// fakeClock is the server's injected clock: tests move it, never sleep.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is one real server on a loopback port with a real SQLite file.
type harness struct {
	t      *testing.T
	srv    *Server
	db     *persist.DB
	path   string // the database file
	base   string // http://127.0.0.1:port
	clock  *fakeClock
	logs   *syncBuffer
	served chan error
	closed bool
}

// testEndpoints are the endpoints most tests use: a token-guarded
// channels endpoint limited to 5 attempts a minute, an anonymous echo one
// with the same limit, and a close-mode copy of each.
func testEndpoints() []Endpoint {
	chat := Endpoint{
		Path: "/ws/chat", Handler: HandlerChannels, RequireToken: true,
		RateLimitEnabled: true, RateLimitMaxAttempts: 5, RateLimitWindow: time.Minute,
		MaxMessageBytes: 4096, MessageRate: 100, MessageBurst: 100,
		DefaultChannel: "lobby", ChannelPattern: regexp.MustCompile(`^[a-z]{1,16}$`),
		AllowedHandlers: []string{"publish", "change_channel"},
	}
	echo := chat
	echo.Path, echo.Handler, echo.RequireToken = "/ws/echo", HandlerEcho, false
	chatClose, echoClose := chat, echo
	chatClose.Path, chatClose.RejectMode = "/ws/chat-close", RejectClose
	echoClose.Path, echoClose.RejectMode = "/ws/echo-close", RejectClose
	return []Endpoint{chat, echo, chatClose, echoClose}
}

// newHarness starts a server with the test endpoints; mod may change the
// options first. dbPath "" means a fresh file.
func newHarness(t *testing.T, dbPath string, mod func(*Options)) *harness {
	t.Helper()
	if dbPath == "" {
		dbPath = filepath.Join(t.TempDir(), "wsgate.db")
	}
	cheap := persist.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}
	db, err := persist.Open(context.Background(), dbPath, &persist.Options{Password: &cheap})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, path: dbPath, logs: &syncBuffer{},
		clock: &fakeClock{t: time.Now().Truncate(time.Millisecond)}}
	opts := &Options{
		DB:           db,
		Logger:       slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Journal:      &persist.JournalOptions{FlushInterval: 5 * time.Millisecond},
		Endpoints:    testEndpoints(),
		DrainTimeout: 200 * time.Millisecond,
		Clock:        h.clock.Now,
		Token:        TokenOptions{BindSession: true},
	}
	if mod != nil {
		mod(opts)
	}
	h.srv, err = New(context.Background(), opts)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.base = "http://" + ln.Addr().String()
	h.served = make(chan error, 1)
	go func() { h.served <- h.srv.Serve(ln) }()
	t.Cleanup(h.stop)
	return h
}

// stop shuts the server down and closes the database; it is idempotent.
func (h *harness) stop() {
	if h.closed {
		return
	}
	h.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		h.t.Errorf("shutdown: %v", err)
	}
	if err := <-h.served; err != nil {
		h.t.Errorf("serve: %v", err)
	}
	h.db.Close()
}

// wsURL returns the ws:// URL of path (with its query).
func (h *harness) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(h.base, "http") + path
}

// dial opens a WebSocket on path with extra headers and subprotocols.
func (h *harness) dial(path string, hdr http.Header, protos ...string) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return websocket.Dial(ctx, h.wsURL(path), &websocket.DialOptions{HTTPHeader: hdr, Subprotocols: protos})
}

// mustDial dials and fails the test unless the handshake is accepted.
func (h *harness) mustDial(path string, hdr http.Header, protos ...string) *websocket.Conn {
	h.t.Helper()
	c, resp, err := h.dial(path, hdr, protos...)
	if err != nil {
		h.t.Fatalf("dial %s: %v (status %d)", path, err, status(resp))
	}
	h.t.Cleanup(func() { c.CloseNow() })
	return c
}

// refused dials and returns the refusal's status and decoded body.
func (h *harness) refused(path string, hdr http.Header, protos ...string) (*http.Response, errorBody) {
	h.t.Helper()
	c, resp, err := h.dial(path, hdr, protos...)
	if err == nil {
		c.CloseNow()
		h.t.Fatalf("dial %s: accepted, want a refusal", path)
	}
	if resp == nil {
		h.t.Fatalf("dial %s: %v, no HTTP answer", path, err)
	}
	var body errorBody
	if resp.Body != nil {
		json.NewDecoder(resp.Body).Decode(&body)
	}
	return resp, body
}

func status(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// upgradeHeaders returns the headers of a WebSocket handshake.
func upgradeHeaders() http.Header {
	return http.Header{
		"Connection":            {"Upgrade"},
		"Upgrade":               {"websocket"},
		"Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
}

// do sends a raw request and returns the answer with its body read.
func (h *harness) do(method, path string, hdr http.Header, body string) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.base+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// addUser creates a user with password "pw-"+name.
func (h *harness) addUser(name string, perms ...string) {
	h.t.Helper()
	if err := h.db.AddUser(context.Background(), name, []byte("pw-"+name), perms); err != nil {
		h.t.Fatal(err)
	}
}

// login logs name in and returns the session cookie header value.
func (h *harness) login(name string) string {
	h.t.Helper()
	resp, body := h.do("POST", "/api/login", nil,
		`{"username":"`+name+`","password":"pw-`+name+`"}`)
	if resp.StatusCode != http.StatusNoContent {
		h.t.Fatalf("login %s: got %d %s, want 204", name, resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			return c.Name + "=" + c.Value
		}
	}
	h.t.Fatal("login: no session cookie")
	return ""
}

// apiKey creates an API key with perms and returns its bearer header.
func (h *harness) apiKey(name string, perms ...string) http.Header {
	h.t.Helper()
	key, err := h.db.CreateAPIKey(context.Background(), name, perms)
	if err != nil {
		h.t.Fatal(err)
	}
	return http.Header{"Authorization": {"Bearer " + key}}
}

// token asks for a token with the given credentials and body and fails
// the test unless one is issued.
func (h *harness) token(creds http.Header, body string) string {
	h.t.Helper()
	resp, b := h.do("POST", "/api/ws-token", creds, body)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("ws-token: got %d %s, want 200", resp.StatusCode, b)
	}
	var tr tokenResponse
	if err := json.Unmarshal(b, &tr); err != nil {
		h.t.Fatal(err)
	}
	return tr.Token
}

// cookie returns a header carrying the session cookie.
func cookie(c string) http.Header { return http.Header{"Cookie": {c}} }

// attempts waits until the journal holds n attempts and returns them,
// newest first.
func (h *harness) attempts(n int) []persist.AttemptRow {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rows, err := h.db.Attempts(context.Background(), persist.AttemptFilter{Limit: 1000})
		if err != nil {
			h.t.Fatal(err)
		}
		if len(rows) >= n || time.Now().After(deadline) {
			if len(rows) != n {
				h.t.Fatalf("journal has %d attempts, want %d: %+v", len(rows), n, rows)
			}
			return rows
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// closeStatus reads from c until it is closed and returns the close code
// and reason.
func closeStatus(t *testing.T, c *websocket.Conn) (websocket.StatusCode, string) {
	t.Helper()
	code, reason, err := readClose(c)
	if err != nil {
		t.Fatal(err)
	}
	return code, reason
}

// readClose reads from c until it is closed; safe off the test goroutine.
func readClose(c *websocket.Conn) (websocket.StatusCode, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Reason, nil
		}
		return 0, "", fmt.Errorf("read: %w, want a close frame", err)
	}
}
