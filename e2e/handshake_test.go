package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// answer is the outcome of one handshake attempt as a client sees it.
type answer struct {
	status     int    // 101 when upgraded
	reason     string // the "error" code of a JSON error body
	retryAfter string // the Retry-After header
}

// probe sends one WebSocket handshake with plain net/http and returns the
// answer; an upgraded connection is closed at once. It is the cheap way to
// count attempts: a rejection keeps the HTTP connection for the next one.
func (g *gateway) probe(path string, hdr http.Header) (answer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.url(path), nil)
	if err != nil {
		return answer{}, err
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", wsKey())
	resp, err := g.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		a.reason = errorCode(resp.Body)
	}
	return a, nil
}

// mustProbe is probe that fails the test on a transport error.
func (g *gateway) mustProbe(t *testing.T, path string, hdr http.Header) answer {
	t.Helper()
	a, err := g.probe(path, hdr)
	if err != nil {
		t.Fatalf("handshake on %s: %v", path, err)
	}
	return a
}

// dial opens a WebSocket with coder/websocket; on a refused handshake it
// returns the answer and a nil connection.
func (g *gateway) dial(ctx context.Context, path string,
	opts *websocket.DialOptions) (*websocket.Conn, answer, error) {
	if opts == nil {
		opts = &websocket.DialOptions{}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = g.client
	}
	c, resp, err := websocket.Dial(ctx, g.wsURL(path), opts)
	var a answer
	if resp != nil {
		a.status = resp.StatusCode
		a.retryAfter = resp.Header.Get("Retry-After")
		if resp.Body != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			a.reason = errorCode(resp.Body)
		}
	}
	return c, a, err
}

// mustDial is dial that fails the test unless the handshake succeeds.
func (g *gateway) mustDial(t *testing.T, path string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, a, err := g.dial(ctx, path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v (status %d, reason %q)", path, err, a.status, a.reason)
	}
	return c
}

// errorCode returns the "error" field of a JSON error body, or "".
func errorCode(r io.Reader) string {
	var body struct {
		Error string `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(r, 1<<16))
	if json.Unmarshal(b, &body) != nil {
		return ""
	}
	return body.Error
}

// wsKey returns a fresh Sec-WebSocket-Key.
func wsKey() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// forwarded returns headers claiming the client is addr via a proxy.
func forwarded(addr string) http.Header {
	return http.Header{"X-Forwarded-For": {addr}}
}

// echoOnce sends one text message on c and fails unless it comes back.
func echoOnce(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write echo: %v", err)
	}
	_, got, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read echo: %v", err)
	}
	if string(got) != msg {
		t.Fatalf("echo: got %q, want %q", got, msg)
	}
}

// wellBehaved checks that an honest client still gets through: /healthz
// answers 200 and a handshake on the channels endpoint succeeds and the
// connection works. It uses its own forwarded address when the gateway
// trusts the loopback proxy, so it never spends an attacker's budget.
func (g *gateway) wellBehaved(t *testing.T) {
	t.Helper()
	g.healthy()
	c := g.mustDial(t, "/ws/chat")
	defer c.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg := `{"handler":"change_channel","channel":"honest"}`
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("honest client write: %v", err)
	}
	_, got, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("honest client read: %v", err)
	}
	if !strings.Contains(string(got), `"honest"`) {
		t.Fatalf("honest client: got %s, want the channel answer", got)
	}
	c.Close(websocket.StatusNormalClosure, "")
}
