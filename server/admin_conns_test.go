package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/wsgate/wsgate/server/hub"
)

// adminConnsFixture is a hub with live loopback connections and a server
// holding it, whose admin handlers are called directly (RequireAdmin is
// tested with the rest of the admin surface).
type adminConnsFixture struct {
	s       *Server
	wsURL   string
	clients []*websocket.Conn
}

func newAdminConnsFixture(t *testing.T) *adminConnsFixture {
	t.Helper()
	h := hub.New(nil)
	ep := &hub.Endpoint{
		Path:            "/ws/chat",
		Handler:         hub.HandlerChannels,
		ChannelPattern:  regexp.MustCompile(`^[a-z]+$`),
		AllowedHandlers: []string{"publish", "change_channel"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		q := r.URL.Query()
		h.Serve(context.WithoutCancel(r.Context()), c, ep, hub.Meta{
			User: q.Get("user"), Channel: q.Get("channel"), IP: "127.0.0.1",
		})
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h.Shutdown(ctx, 0)
		srv.Close()
	})
	return &adminConnsFixture{
		s:     &Server{hub: h, log: slog.New(slog.DiscardHandler)},
		wsURL: "ws" + strings.TrimPrefix(srv.URL, "http") + ep.Path,
	}
}

// dial connects a client and waits until the hub lists it.
func (f *adminConnsFixture) dial(t *testing.T, query string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, f.wsURL+"?"+query, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	want := len(f.clients) + 1
	f.clients = append(f.clients, c)
	for len(f.s.hub.Conns()) < want {
		if ctx.Err() != nil {
			t.Fatalf("connection never registered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return c
}

// call runs one admin request and returns the status and decoded body.
func (f *adminConnsFixture) call(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/admin/connections", f.s.handleAdminConnections)
	mux.HandleFunc("DELETE /api/admin/connections/{id}", f.s.handleAdminCloseConnection)
	mux.HandleFunc("POST /api/admin/send", f.s.handleAdminSend)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	var got map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s %s: body %q is not JSON", method, path, rec.Body)
		}
	}
	return rec.Code, got
}

func TestAdminListConnections(t *testing.T) {
	f := newAdminConnsFixture(t)
	f.dial(t, "channel=lobby&user=ann")
	f.dial(t, "channel=ops")

	code, body := f.call(t, "GET", "/api/admin/connections", "")
	list, _ := body["connections"].([]any)
	if code != http.StatusOK || len(list) != 2 {
		t.Fatalf("got %d %v, want 200 with two connections", code, body)
	}
	users := map[any]any{}
	for _, item := range list {
		c := item.(map[string]any)
		if c["endpoint"] != "/ws/chat" || c["ip"] != "127.0.0.1" || c["id"] == "" {
			t.Errorf("got %v, want the connection's endpoint, ip and id", c)
		}
		if _, err := time.Parse(time.RFC3339Nano, c["since"].(string)); err != nil {
			t.Errorf("got since %v, want an RFC 3339 time", c["since"])
		}
		users[c["channel"]] = c["user"]
	}
	if users["lobby"] != "ann" || users["ops"] != nil {
		t.Errorf("got channel->user %v, want lobby->ann and ops->null", users)
	}
}

func TestAdminCloseConnection(t *testing.T) {
	f := newAdminConnsFixture(t)
	c := f.dial(t, "channel=lobby")
	id := f.s.hub.Conns()[0].ID

	if code, body := f.call(t, "DELETE", "/api/admin/connections/nope", ""); code != http.StatusNotFound || body["error"] != "not_found" {
		t.Errorf("got %d %v for an unknown id, want 404 not_found", code, body)
	}
	if code, body := f.call(t, "DELETE", "/api/admin/connections/"+id, ""); code != http.StatusNoContent || body != nil {
		t.Errorf("got %d %v, want 204 and no body", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := c.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusPolicyViolation {
		t.Errorf("got close %v (%v), want 1008", got, err)
	}
}

func TestAdminSend(t *testing.T) {
	f := newAdminConnsFixture(t)
	ann := f.dial(t, "channel=lobby&user=ann")
	f.dial(t, "channel=lobby&user=bob")
	f.dial(t, "channel=ops&user=ann")
	bobID := ""
	for _, m := range f.s.hub.Conns() {
		if m.User == "bob" {
			bobID = m.ID
		}
	}

	tests := []struct {
		name, body string
		want       int
	}{
		{"channel", `{"channel":"lobby","message":{"text":"hi"}}`, 2},
		{"user", `{"user":"ann","message":{"text":"hi"}}`, 2},
		{"connection", `{"connection_id":"` + bobID + `","message":[1]}`, 1},
		{"all", `{"all":true,"message":"x"}`, 3},
		{"nobody there", `{"channel":"empty","message":1}`, 0},
	}
	for _, tt := range tests {
		code, body := f.call(t, "POST", "/api/admin/send", tt.body)
		if code != http.StatusOK || body["delivered"] != float64(tt.want) {
			t.Errorf("%s: got %d %v, want 200 delivered %d", tt.name, code, body, tt.want)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, p, err := ann.Read(ctx)
	if want := `{"type":"message","channel":"lobby","from":null,"data":{"text":"hi"}}`; err != nil || string(p) != want {
		t.Errorf("got %s, %v; want %s", p, err, want)
	}
}

func TestAdminSendRefusesBadBodies(t *testing.T) {
	f := newAdminConnsFixture(t)
	tests := []struct{ name, body string }{
		{"empty", ``},
		{"not JSON", `hello`},
		{"no target", `{"message":1}`},
		{"two targets", `{"channel":"a","user":"b","message":1}`},
		{"empty channel", `{"channel":"","message":1}`},
		{"all false", `{"all":false,"message":1}`},
		{"no message", `{"channel":"a"}`},
		{"unknown field", `{"channel":"a","message":1,"from":"me"}`},
		{"trailing data", `{"channel":"a","message":1} {}`},
		{"invalid message", `{"channel":"a","message":{bad}}`},
		{"too large", `{"channel":"a","message":"` + strings.Repeat("x", maxSendBodyBytes) + `"}`},
	}
	for _, tt := range tests {
		code, body := f.call(t, "POST", "/api/admin/send", tt.body)
		if code != http.StatusBadRequest || body["error"] != "bad_request" || body["message"] == "" {
			t.Errorf("%s: got %d %v, want 400 bad_request", tt.name, code, body)
		}
	}
}

// TestAdminConnectionRoutes goes through the real server: the routes, the
// admin check and a connection made with a token.
func TestAdminConnectionRoutes(t *testing.T) {
	h := newHarness(t, "", nil)
	admin, plain := h.apiKey("ops", PermAdmin), h.apiKey("app")
	h.addUser("ann")
	c := h.mustDial("/ws/chat?ws_token="+h.token(admin, `{"user":"ann"}`), nil)
	deadline := time.Now().Add(10 * time.Second)
	for h.srv.Hub().Count("/ws/chat") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("connection never registered")
		}
		time.Sleep(5 * time.Millisecond)
	}

	for _, creds := range []struct {
		hdr  http.Header
		want int
	}{{nil, http.StatusUnauthorized}, {plain, http.StatusForbidden}} {
		if resp, _ := h.do("GET", "/api/admin/connections", creds.hdr, ""); resp.StatusCode != creds.want {
			t.Errorf("list without admin: got %d, want %d", resp.StatusCode, creds.want)
		}
		if resp, _ := h.do("POST", "/api/admin/send", creds.hdr, `{"all":true,"message":1}`); resp.StatusCode != creds.want {
			t.Errorf("send without admin: got %d, want %d", resp.StatusCode, creds.want)
		}
	}

	resp, body := h.do("GET", "/api/admin/connections", admin, "")
	var list struct{ Connections []adminConn }
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != http.StatusOK || len(list.Connections) != 1 {
		t.Fatalf("list: got %d %s, want one connection", resp.StatusCode, body)
	}
	got := list.Connections[0]
	if got.User == nil || *got.User != "ann" || got.Channel == nil || *got.Channel != "lobby" || got.IP != "127.0.0.1" {
		t.Errorf("got %s, want ann in lobby from 127.0.0.1", body)
	}

	resp, body = h.do("POST", "/api/admin/send", admin, `{"user":"ann","message":{"note":"hi"}}`)
	if resp.StatusCode != http.StatusOK || string(bytes.TrimSpace(body)) != `{"delivered":1}` {
		t.Errorf("send: got %d %s, want delivered 1", resp.StatusCode, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, p, err := c.Read(ctx); err != nil || !strings.Contains(string(p), `"data":{"note":"hi"}`) {
		t.Errorf("client got %s, %v; want the pushed message", p, err)
	}

	if resp, _ := h.do("DELETE", "/api/admin/connections/"+got.ID, admin, ""); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete: got %d, want 204", resp.StatusCode)
	}
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Errorf("got %v after delete, want close 1008", err)
	}
}
