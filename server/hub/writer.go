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
	cn.sendMu.Lock()
	ok := cn.queue.push(m)
	if ok {
		cn.startWriterLocked()
	}
	cn.sendMu.Unlock()

	if !ok {
		cn.requestClose(websocket.StatusPolicyViolation, "slow consumer", closeSlow)
	}
	return ok
}

// startWriterLocked starts the writer goroutine unless it is running.
// There is at most one at a time: it runs while messages are queued and
// ends when the queue drains, so an idle connection costs no goroutine
// for writing; the one that finds the connection closing carries out
// the close and leaves writing set, so no writer starts after it.
func (cn *conn) startWriterLocked() {
	if !cn.writing {
		cn.writing = true
		go cn.writeLoop()
	}
}

// writeLoop is the connection's only writer of data messages while it
// runs. It ends when the queue is empty or by carrying out the requested
// close.
func (cn *conn) writeLoop() {
	for {
		m, ok, closing := cn.next()
		if closing {
			cn.finish()
			close(cn.finished)
			return
		}
		if !ok {
			return
		}
		if err := cn.writeBatch(m); err != nil {
			cn.writeFailed(err)
		}
	}
}

// next returns the writer's next step: the close once one is requested
// (the close carries out the queue itself), else the oldest queued
// message, else nothing, in which case the writer is no longer running.
// requestClose checks writing after closing is closed and starts a
// writer if none runs, so a close is never missed.
func (cn *conn) next() (m outMsg, ok, closing bool) {
	cn.sendMu.Lock()
	defer cn.sendMu.Unlock()
	if cn.isClosing() {
		return outMsg{}, false, true
	}
	m, ok = cn.queue.pop()
	if !ok {
		cn.writing = false
	}
	return m, ok, false
}

// pop takes the oldest queued message, if any.
func (cn *conn) pop() (outMsg, bool) {
	cn.sendMu.Lock()
	defer cn.sendMu.Unlock()
	return cn.queue.pop()
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
	cn.armStall()
	defer cn.stall.Stop()

	n := 0
	err := cn.write(m)
	for err == nil {
		n++
		var ok bool
		if m, ok = cn.pop(); !ok {
			break
		}
		err = cn.write(m)
	}
	if n > 0 {
		cn.hub.obs.MessageOut(cn.ep.Path, n)
	}
	return err
}

// armStall starts the stall timer for one batch, making it on the first
// batch. Only the running writer touches stall; successive writers are
// ordered by sendMu.
func (cn *conn) armStall() {
	d := cn.hub.opts.WriteTimeout
	if cn.stall == nil {
		cn.stall = time.AfterFunc(d, cn.stalled)
		return
	}
	cn.stall.Reset(d)
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
		m, ok := cn.pop()
		if !ok || cn.writeBatch(m) != nil {
			return
		}
	}
}
