package main

import (
	"context"
	"net/http"
	"sync"

	"github.com/coder/websocket"
)

// broadcastQueue is each baseline subscriber's send queue, in messages.
// A full queue drops the message for that subscriber, as a hub that
// cannot let one slow reader stall the others must.
const broadcastQueue = 256

// broadcast is the baseline's fan-out endpoint: every message any
// connection sends goes to every connection, the sender included, as
// wsgate's channels handler does within one channel. Safe for
// concurrent use.
type broadcast struct {
	// mu guards subs.
	mu   sync.Mutex
	subs map[chan []byte]struct{}
}

// newBroadcast returns an empty broadcast endpoint.
func newBroadcast() *broadcast {
	return &broadcast{subs: make(map[chan []byte]struct{})}
}

// ServeHTTP upgrades and relays until the connection ends.
func (b *broadcast) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()

	out := make(chan []byte, broadcastQueue)
	b.join(out)
	defer b.leave(out)
	go b.write(ctx, cancel, c, out)

	for {
		_, msg, err := c.Read(ctx)
		if err != nil {
			return
		}
		b.send(msg)
	}
}

// write sends queued messages to c until ctx ends or a write fails.
func (b *broadcast) write(ctx context.Context, cancel context.CancelFunc,
	c *websocket.Conn, out chan []byte) {
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return
		case msg := <-out:
			if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
				return
			}
		}
	}
}

// send queues msg for every subscriber, dropping it for full queues.
func (b *broadcast) send(msg []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for out := range b.subs {
		select {
		case out <- msg:
		default:
		}
	}
}

func (b *broadcast) join(out chan []byte) {
	b.mu.Lock()
	b.subs[out] = struct{}{}
	b.mu.Unlock()
}

func (b *broadcast) leave(out chan []byte) {
	b.mu.Lock()
	delete(b.subs, out)
	b.mu.Unlock()
}
