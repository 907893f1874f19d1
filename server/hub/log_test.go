package hub

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// lockedBuffer is a bytes.Buffer safe for the hub's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestCloseLogLines checks the connection log at each level: a close for
// a policy violation is a warning naming the connection, an ordinary
// close a debug line, and the debug line of the opening is not logged
// at info. The log is polled for the closing line, which is written
// after the connection leaves the registry.
func TestCloseLogLines(t *testing.T) {
	tests := map[string]struct {
		level   slog.Level
		code    websocket.StatusCode
		want    []string
		wantNot []string
	}{
		"policy close at info": {slog.LevelInfo, websocket.StatusPolicyViolation,
			[]string{"level=WARN", `msg="connection closed"`, "code=1008", "conn_id=", "endpoint=/ws/echo"},
			[]string{"connection opened"}},
		"normal close at debug": {slog.LevelDebug, websocket.StatusNormalClosure,
			[]string{`msg="connection opened"`, `msg="connection closed"`, "code=1000", "level=DEBUG"}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var out lockedBuffer
			log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: tc.level}))
			ts := newTestServer(t, &Options{Logger: log}, echoEndpoint())
			c := ts.dial(t, "")

			if tc.code == websocket.StatusPolicyViolation {
				ts.hub.CloseConn(ts.hub.Conns()[0].ID, tc.code, "test")
				c.CloseRead(context.Background())
			} else {
				c.Close(tc.code, "")
			}
			waitFor(t, "closing logged", func() bool {
				return strings.Contains(out.String(), `msg="connection closed"`)
			})

			got := out.String()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("log %q lacks %q", got, w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("log %q has %q", got, w)
				}
			}
		})
	}
}
