package hub

import (
	"context"
	"time"

	"github.com/coder/websocket"
)

// Shutdown closes every connection with 1012 and a reason
// {"retry_after_ms":N}, N spread evenly over drain across the
// connections so that clients do not all come back at once, refuses new
// connections the same way, and waits until every connection's Serve has
// returned or ctx ends. When ctx ends first, the remaining connections
// are dropped without waiting for their closing handshakes, and Shutdown
// returns once they are gone.
func (h *Hub) Shutdown(ctx context.Context, drain time.Duration) {
	h.mu.Lock()
	h.draining, h.drain = true, drain
	list := make([]*conn, 0, len(h.conns))
	for _, cn := range h.conns {
		list = append(list, cn)
	}
	h.mu.Unlock()

	n := int64(len(list))
	for i, cn := range list {
		hint := time.Duration(int64(drain) * int64(i+1) / n)
		cn.requestClose(websocket.StatusServiceRestart, retryReason(hint), closeGraceful)
	}

	for _, cn := range list {
		select {
		case <-cn.done:
		case <-ctx.Done():
			for _, c := range list {
				c.cancel()
			}
			<-cn.done
		}
	}
}
