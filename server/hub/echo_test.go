package hub

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/coder/websocket"
)

var errorsAs = errors.As

func echoEndpoint() *Endpoint {
	return &Endpoint{Path: "/ws/echo", Handler: HandlerEcho, MaxMessageBytes: 1024}
}

func TestEchoSendsFramesBack(t *testing.T) {
	rec := newRecorder()
	ts := newTestServer(t, &Options{Observer: rec}, echoEndpoint())
	c := ts.dial(t, "")
	ctx := context.Background()

	frames := []struct {
		typ     websocket.MessageType
		payload []byte
	}{
		{websocket.MessageText, []byte("hello")},
		{websocket.MessageBinary, []byte{0, 1, 2, 0xff}},
		{websocket.MessageText, []byte(`{"handler":"publish"}`)},
		{websocket.MessageText, bytes.Repeat([]byte("x"), 1024)},
	}
	for _, f := range frames {
		if err := c.Write(ctx, f.typ, f.payload); err != nil {
			t.Fatalf("write: %v", err)
		}
		typ, got, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if typ != f.typ || !bytes.Equal(got, f.payload) {
			t.Errorf("got %v %q, want %v %q", typ, got, f.typ, f.payload)
		}
	}

	c.Close(websocket.StatusNormalClosure, "")
	waitFor(t, "close reported", func() bool { return rec.get("closed /ws/echo 1000") == 1 })
	want := "closed /ws/echo 1000=1 in /ws/echo=4 opened /ws/echo=1 out /ws/echo=4 "
	if got := rec.String(); got != want {
		t.Errorf("got events %q, want %q", got, want)
	}
}

func TestEchoRateLimitDropsFrames(t *testing.T) {
	clock := newFakeClock()
	rec := newRecorder()
	ep := echoEndpoint()
	ep.MessageRate, ep.MessageBurst = 1, 2
	ts := newTestServer(t, &Options{Clock: clock.Now, Observer: rec}, ep)
	c := ts.dial(t, "")

	// Echo has no error frames: frames over the rate are dropped.
	for _, s := range []string{"1", "2", "3"} {
		send(t, c, s)
	}
	waitFor(t, "three frames handled", func() bool { return rec.get("violation rate_limited") == 1 })
	clock.Advance(time.Second)
	send(t, c, "4")
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for _, want := range []string{"1", "2", "4"} {
		_, got, err := c.Read(ctx)
		if err != nil || string(got) != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
}
