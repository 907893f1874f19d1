package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// TestConcurrentChannelTraffic has clients join, leave, move and publish
// at once (for -race). Each client's own messages must all come back to
// it in order, whichever channels it crossed, since a publisher is always
// a member of the channel it publishes to.
func TestConcurrentChannelTraffic(t *testing.T) {
	ep := chatEndpoint()
	ts := newTestServer(t, &Options{SendQueue: 4096}, ep)
	const clients, rounds = 12, 30

	conns := make([]*wsConn, clients)
	for i := range conns {
		conns[i] = ts.dial(t, "channel=a")
	}
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			own := make(chan int, rounds)
			go func() {
				defer close(own)
				for {
					_, p, err := c.Read(ctx)
					if err != nil {
						return
					}
					var m struct {
						Type string
						Data struct{ From, N int }
					}
					json.Unmarshal(p, &m)
					if m.Type == "message" && m.Data.From == i {
						own <- m.Data.N
					}
				}
			}()
			for n := range rounds {
				ch := string(rune('a' + (i+n)%3))
				c.Write(ctx, websocket.MessageText, []byte(`{"handler":"change_channel","channel":"`+ch+`"}`))
				c.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"handler":"publish","data":{"from":%d,"n":%d}}`, i, n))
			}
			for want := range rounds {
				if got, ok := <-own; !ok || got != want {
					t.Errorf("client %d: got own message %d (%v), want %d", i, got, ok, want)
					return
				}
			}
			c.Close(websocket.StatusNormalClosure, "")
		})
	}
	wg.Wait()
	waitFor(t, "every connection gone", func() bool { return ts.hub.Count(ep.Path) == 0 })
	ts.hub.mu.RLock()
	defer ts.hub.mu.RUnlock()
	if len(ts.hub.channels) != 0 || len(ts.hub.conns) != 0 {
		t.Errorf("got %d channels and %d connections left, want none", len(ts.hub.channels), len(ts.hub.conns))
	}
}
