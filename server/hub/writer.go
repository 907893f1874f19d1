package hub

import (
	"context"
	"time"

	"github.com/coder/websocket"
)

// enqueue offers m to the connection's send queue without blocking. A
// full queue means the client does not keep up: it is closed as a slow
// consumer and m is dropped. A closing connection takes nothing more.
// enqueue reports whether m was queued.
func (cn *conn) enqueue(m outMsg) bool {
	if cn.isClosing() {
		return false
	}
	select {
	case cn.queue <- m:
		return true
	default:
		cn.requestClose(websocket.StatusPolicyViolation, "slow consumer", closeSlow)
		return false
	}
}

// writeLoop is the connection's only writer of data messages. It ends by
// carrying out the requested close.
func (cn *conn) writeLoop() {
	for {
		select {
		case m := <-cn.queue:
			if err := cn.writeBatch(m); err != nil {
				cn.writeFailed(err)
			}
		case <-cn.closing:
			cn.finish()
			return
		}
	}
}

// writeBatch writes m and then whatever else is already queued, under one
// write deadline, and counts the messages written.
//
// The writes themselves take no context: one with a deadline costs the
// library a context.AfterFunc registration (allocations) per message,
// which fan-out would pay once per subscriber. The stall timer enforces
// the deadline instead, by cancelling cn.ctx, which the read loop is
// blocked on and which makes the library drop the connection.
func (cn *conn) writeBatch(m outMsg) error {
	cn.stall.Reset(cn.hub.opts.WriteTimeout)
	defer cn.stall.Stop()

	n := 0
	err := cn.write(m)
	for err == nil {
		n++
		select {
		case m = <-cn.queue:
			err = cn.write(m)
			continue
		default:
		}
		break
	}
	if n > 0 {
		cn.hub.obs.MessageOut(cn.ep.Path, n)
	}
	return err
}

func (cn *conn) write(m outMsg) error {
	typ := websocket.MessageText
	if m.binary {
		typ = websocket.MessageBinary
	}
	return cn.ws.Write(context.Background(), typ, m.payload)
}

// stalled runs when a batch outlived WriteTimeout: the client is not
// taking its messages.
func (cn *conn) stalled() {
	cn.requestClose(websocket.StatusPolicyViolation, "slow consumer", closeSlow)
	cn.cancel()
}

// writeFailed closes the connection after a failed write.
func (cn *conn) writeFailed(error) {
	cn.requestClose(websocket.StatusAbnormalClosure, "", closeAbort)
}

// finish carries out the requested close: a graceful close first writes
// what is queued, so that error frames reach the client before the code
// that explains them.
func (cn *conn) finish() {
	switch cn.closeMode {
	case closeGraceful:
		cn.flush()
		cn.ws.Close(cn.closeCode, cn.closeReason)
	case closeSlow:
		cn.ws.Close(cn.closeCode, cn.closeReason)
	}
	cn.ws.CloseNow()
}

// flush writes the messages queued when the close was requested.
func (cn *conn) flush() {
	for {
		select {
		case m := <-cn.queue:
			if cn.writeBatch(m) != nil {
				return
			}
		default:
			return
		}
	}
}

// keepalive pings the client every PingInterval and drops it when a pong
// does not come back within the next interval.
func (cn *conn) keepalive() {
	every := cn.hub.opts.PingInterval
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-cn.closing:
			return
		}
		ctx, cancel := context.WithTimeout(cn.ctx, every)
		err := cn.ws.Ping(ctx)
		cancel()
		if err != nil {
			cn.requestClose(websocket.StatusAbnormalClosure, "keepalive timeout", closeAbort)
			return
		}
	}
}
