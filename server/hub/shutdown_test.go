package hub

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestShutdownSpreadsRetryHints(t *testing.T) {
	ts := newTestServer(t, nil, chatEndpoint())
	var clients []*wsConn
	for range 4 {
		clients = append(clients, ts.dial(t, "channel=a"))
	}

	// The clients read concurrently so that each answers its close.
	type result struct {
		code websocket.StatusCode
		hint int64
	}
	results := make(chan result, len(clients))
	readCtx, stop := context.WithTimeout(context.Background(), testTimeout)
	defer stop()
	for _, c := range clients {
		go func() {
			_, _, err := c.Read(readCtx)
			var ce websocket.CloseError
			errorsAs(err, &ce)
			var r struct {
				RetryAfterMS int64 `json:"retry_after_ms"`
			}
			json.Unmarshal([]byte(ce.Reason), &r)
			results <- result{ce.Code, r.RetryAfterMS}
		}()
	}

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ts.hub.Shutdown(ctx, 4*time.Second)
	if n := len(ts.hub.Conns()); n != 0 {
		t.Errorf("got %d connections after Shutdown, want 0", n)
	}

	var hints []int64
	for range clients {
		r := <-results
		if r.code != websocket.StatusServiceRestart {
			t.Errorf("got close %v, want 1012", r.code)
		}
		hints = append(hints, r.hint)
	}
	slices.Sort(hints)
	if want := []int64{1000, 2000, 3000, 4000}; !slices.Equal(hints, want) {
		t.Errorf("got hints %v, want %v", hints, want)
	}

	// Connections arriving during the drain are turned away the same way.
	late, _, err := websocket.Dial(ctx, ts.url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer late.CloseNow()
	if code, reason := closeOf(t, late); code != websocket.StatusServiceRestart || reason != `{"retry_after_ms":4000}` {
		t.Errorf("got %v %q for a late client, want 1012 with the drain as hint", code, reason)
	}
}

func TestShutdownDropsClientsThatDoNotAnswer(t *testing.T) {
	ts := newTestServer(t, nil, chatEndpoint())
	ts.dial(t, "channel=a") // never reads, so never answers the close

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ts.hub.Shutdown(ctx, time.Second)
	if n := len(ts.hub.Conns()); n != 0 {
		t.Errorf("got %d connections after Shutdown, want 0", n)
	}
}
