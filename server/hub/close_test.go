package hub

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestFrameRulesClose(t *testing.T) {
	tests := []struct {
		name     string
		ep       func() *Endpoint
		typ      websocket.MessageType
		payload  []byte
		want     websocket.StatusCode
		violates string
	}{
		{"too big on channels", chatEndpoint, websocket.MessageText,
			[]byte(`{"handler":"publish","data":"` + strings.Repeat("x", 4096) + `"}`),
			websocket.StatusMessageTooBig, "message_too_big"},
		{"too big on echo", echoEndpoint, websocket.MessageBinary, make([]byte, 1025),
			websocket.StatusMessageTooBig, "message_too_big"},
		{"binary on channels", chatEndpoint, websocket.MessageBinary,
			[]byte(`{"handler":"publish","data":1}`),
			websocket.StatusUnsupportedData, "binary_frame"},
		{"invalid UTF-8 on channels", chatEndpoint, websocket.MessageText,
			[]byte("{\"handler\":\"publish\",\"data\":\"\xff\xfe\"}"),
			websocket.StatusInvalidFramePayloadData, "invalid_utf8"},
		{"invalid UTF-8 on echo", echoEndpoint, websocket.MessageText,
			[]byte("caf\xc3"), websocket.StatusInvalidFramePayloadData, "invalid_utf8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			ts := newTestServer(t, &Options{Observer: rec}, tt.ep())
			c := ts.dial(t, "channel=a")
			if err := c.Write(context.Background(), tt.typ, tt.payload); err != nil {
				t.Fatalf("write: %v", err)
			}
			if got, _ := closeOf(t, c); got != tt.want {
				t.Errorf("got close %v, want %v", got, tt.want)
			}
			waitFor(t, "close reported", func() bool {
				return rec.get(fmt.Sprintf("closed %s %d", ts.ep.Path, tt.want)) == 1
			})
			if got := rec.get("violation " + tt.violates); got != 1 {
				t.Errorf("got %d %s violations, want 1 (%v)", got, tt.violates, rec)
			}
		})
	}
}

func TestExactReadLimitPasses(t *testing.T) {
	ts := newTestServer(t, nil, echoEndpoint())
	c := ts.dial(t, "")
	send(t, c, strings.Repeat("y", 1024))
	if _, p, err := c.Read(context.Background()); err != nil || len(p) != 1024 {
		t.Fatalf("got %d bytes, %v; want the 1024-byte frame back", len(p), err)
	}
}

func TestViolationsCloseWith1008(t *testing.T) {
	clock := newFakeClock()
	ep := chatEndpoint()
	ep.MaxViolations = 3
	ts := newTestServer(t, &Options{Clock: clock.Now}, ep)
	c := ts.dial(t, "channel=a")

	// Three a minute are tolerated, minute after minute.
	for range 2 {
		for range 3 {
			send(t, c, `nonsense`)
			if got := recv(t, c); got["error"] != "bad_json" {
				t.Fatalf("got %v, want bad_json", got)
			}
		}
		clock.Advance(time.Minute)
	}

	// The fourth inside a minute closes, after its error frame.
	for i := range 4 {
		send(t, c, `{"handler":"_x"}`)
		if got := recv(t, c); got["error"] != "unknown_handler" {
			t.Fatalf("frame %d: got %v, want unknown_handler", i, got)
		}
		clock.Advance(10 * time.Second)
	}
	if got, _ := closeOf(t, c); got != websocket.StatusPolicyViolation {
		t.Errorf("got close %v, want 1008", got)
	}
}

func TestMessageRateLimit(t *testing.T) {
	clock := newFakeClock()
	ep := chatEndpoint()
	ep.MessageRate, ep.MessageBurst = 2, 3
	ts := newTestServer(t, &Options{Clock: clock.Now}, ep)
	c := ts.dial(t, "channel=a")

	publish := func() string {
		send(t, c, `{"handler":"publish","data":1}`)
		got := recv(t, c)
		if got["type"] == "error" {
			return got["error"].(string)
		}
		return got["type"].(string)
	}
	for i, want := range []string{"message", "message", "message", "rate_limited", "rate_limited"} {
		if got := publish(); got != want {
			t.Errorf("message %d: got %s, want %s", i, got, want)
		}
	}
	clock.Advance(500 * time.Millisecond) // one token at 2 a second
	for i, want := range []string{"message", "rate_limited"} {
		if got := publish(); got != want {
			t.Errorf("after refill, message %d: got %s, want %s", i, got, want)
		}
	}
}

func TestStayingOverTheRateCloses4429(t *testing.T) {
	clock := newFakeClock()
	ep := chatEndpoint()
	ep.MessageRate, ep.MessageBurst = 1, 1
	ep.MaxViolations = 1000
	ts := newTestServer(t, &Options{Clock: clock.Now}, ep)
	c := ts.dial(t, "channel=a")

	// Twice the rate: every other message passes, yet the client is over
	// the rate all along. A pause of over a second ends a streak.
	streak := func(d time.Duration) {
		for elapsed := time.Duration(0); elapsed < d; elapsed += 500 * time.Millisecond {
			send(t, c, `{"handler":"publish","data":1}`)
			send(t, c, `{"handler":"publish","data":2}`)
			recv(t, c)
			recv(t, c)
			clock.Advance(500 * time.Millisecond)
		}
	}
	streak(4 * time.Second)
	clock.Advance(2 * time.Second)
	streak(4 * time.Second)
	send(t, c, `{"handler":"publish","data":1}`) // still open: both streaks were short
	if got := recv(t, c); got["type"] != "message" {
		t.Fatalf("got %v, want a message", got)
	}

	// Keep it up: closed 5 seconds into the streak, answers flushed first.
	clock.Advance(2 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var code websocket.StatusCode
	var reason string
	answers := 0
	for i := 0; i < 30 && code == 0; i++ {
		c.Write(ctx, websocket.MessageText, []byte(`{"handler":"publish","data":1}`))
		c.Write(ctx, websocket.MessageText, []byte(`{"handler":"publish","data":1}`))
		for range 2 {
			_, _, err := c.Read(ctx)
			if err != nil {
				var ce websocket.CloseError
				if !errorsAs(err, &ce) {
					t.Fatalf("read: %v", err)
				}
				code, reason = ce.Code, ce.Reason
				break
			}
			answers++
		}
		clock.Advance(500 * time.Millisecond)
	}
	if answers != 21 {
		t.Errorf("got %d answers before the close, want 21 (5 s at 2 a step, then the first of the closing step)", answers)
	}
	if code != statusRateLimited || reason != `{"retry_after_ms":1000}` {
		t.Errorf("got close %v %q, want 4429 with the retry hint", code, reason)
	}
}
