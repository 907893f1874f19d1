package hub

import (
	"context"
	"time"

	"github.com/coder/websocket"
)

// startPings arms the keepalive timer, if the hub pings. Waiting costs a
// timer, not a goroutine: each ping runs on the timer's own goroutine,
// which exists only while the ping waits for its pong.
func (cn *conn) startPings() {
	every := cn.hub.opts.PingInterval
	if every <= 0 {
		return
	}
	cn.pingMu.Lock()
	defer cn.pingMu.Unlock()
	cn.pinger = time.AfterFunc(every, cn.ping)
}

// ping sends one keepalive ping, drops the client when the pong does not
// come back within PingInterval, and otherwise arms the next ping.
func (cn *conn) ping() {
	if !cn.beginPing() {
		return
	}
	defer cn.pings.Done()

	every := cn.hub.opts.PingInterval
	ctx, cancel := context.WithTimeout(cn.ctx, every)
	err := cn.ws.Ping(ctx)
	cancel()
	if err != nil {
		cn.requestClose(websocket.StatusAbnormalClosure, "keepalive timeout", closeAbort)
		return
	}

	cn.pingMu.Lock()
	defer cn.pingMu.Unlock()
	if !cn.pingsStopped {
		cn.pinger.Reset(every)
	}
}

// beginPing reports whether a ping may start, and counts it in flight.
// A closing connection sends no more pings.
func (cn *conn) beginPing() bool {
	cn.pingMu.Lock()
	defer cn.pingMu.Unlock()
	if cn.pingsStopped || cn.isClosing() {
		return false
	}
	cn.pings.Add(1)
	return true
}

// stopPings stops the keepalive timer and waits for a ping in flight;
// no ping starts afterwards.
func (cn *conn) stopPings() {
	cn.pingMu.Lock()
	cn.pingsStopped = true
	if cn.pinger != nil {
		cn.pinger.Stop()
	}
	cn.pingMu.Unlock()
	cn.pings.Wait()
}
