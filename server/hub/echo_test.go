package hub

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/coder/websocket"
)

var errorsAs = errors.As

func echoEndpoint() *Endpoint {
	return &Endpoint{Path: "/ws/echo", Handler: HandlerEcho, MaxMessageBytes: 1024}
}

func TestEchoSendsFramesBack(t *testing.T) {
	ts := newTestServer(t, nil, echoEndpoint())
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
}
