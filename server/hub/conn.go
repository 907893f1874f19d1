package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// closeMode says how a requested close is carried out.
type closeMode uint8

const (
	// closeGraceful writes what is queued, then the close frame, and
	// waits for the peer's answer.
	closeGraceful closeMode = iota
	// closeSlow skips the queue: the client is not reading it anyway.
	closeSlow
	// closeAbort drops the TCP connection at once; the close frame, if
	// any, was already written by the library or the peer is gone.
	closeAbort
)

// Grace periods after which a requested close stops waiting for the
// peer and drops the connection.
const (
	closeGrace = 5 * time.Second
	slowGrace  = time.Second
)

// outMsg is one queued outgoing message. Fan-out shares payload between
// every member's queue, so nobody may modify it after enqueueing.
type outMsg struct {
	binary  bool
	payload []byte
}

// conn is one live connection. Its Serve goroutine reads; a writer
// goroutine runs only while messages are queued or to carry out the
// close, and keepalive pings run from a timer, so an idle connection
// holds one goroutine, its reader.
type conn struct {
	hub  *Hub
	ws   *websocket.Conn
	ep   *Endpoint
	meta Meta // Channel is guarded by hub.mu; the rest is fixed

	// ctx is used for every read and write; cancelling it makes the
	// library drop the connection at once, which is how closes that the
	// peer does not answer are cut short.
	ctx    context.Context
	cancel context.CancelFunc

	closeOnce   sync.Once
	closing     chan struct{} // closed by the first requestClose
	done        chan struct{} // closed when Serve returns
	closeCode   websocket.StatusCode
	closeReason string
	closeMode   closeMode
	watchdog    *time.Timer

	// sendMu guards the fields below. It is taken after hub.mu, never
	// before, and held without calling out.
	sendMu   sync.Mutex
	queue    sendQueue
	writing  bool          // a writer goroutine runs
	finished chan struct{} // closed once the writer carried out the close

	// stall is armed while a write batch is in progress; made by the
	// first batch and touched only by the running writer.
	stall *time.Timer

	// pingMu guards the fields below.
	pingMu       sync.Mutex
	pinger       *time.Timer    // fires the next keepalive ping
	pingsStopped bool           // Serve is ending: no more pings
	pings        sync.WaitGroup // the ping in flight, if any

	session *session // the read loop's state
}

// Serve runs connection c on endpoint ep until it ends, then returns;
// it always closes c. The server calls it after a successful upgrade, on
// the handshake's goroutine, with m describing the client. ctx ending
// closes the connection with 1001.
func (h *Hub) Serve(ctx context.Context, c *websocket.Conn, ep *Endpoint, m Meta) {
	cn := h.newConn(c, ep, m)
	defer close(cn.done)
	defer cn.cancel()
	if !h.register(cn) {
		cn.session.limiter.release()
		h.refuseDraining(c)
		return
	}
	h.obs.Opened(ep.Path)
	if h.log.Enabled(context.Background(), slog.LevelDebug) {
		h.log.Debug("connection opened", cn.logAttrs()...)
	}

	stop := cn.startLifecycle(ctx)
	err := cn.readLoop()

	// Reading ended, so the peer is gone or answered our close: nothing
	// queued can still reach it. Closing here, not only in the writer,
	// also frees a writer blocked on a client that stopped reading.
	// When no writer runs, dropping the connection is all that is left
	// of any close, so the CloseNow below carries it out and no writer
	// is started for it: that is how most connections end.
	cn.setClose(readErrCode(err), "", closeAbort)
	cn.ws.CloseNow()
	cn.cancel()
	cn.claimCloseUnlessWriting()
	stop()

	h.unregister(cn)
	cn.session.limiter.release()
	cn.report()
}

func (h *Hub) newConn(c *websocket.Conn, ep *Endpoint, m Meta) *conn {
	if m.Since.IsZero() {
		m.Since = h.opts.Clock()
	}
	m.Endpoint = ep.Path
	if ep.Handler != HandlerChannels {
		m.Channel = ""
	}
	if ep.MaxMessageBytes > 0 {
		c.SetReadLimit(ep.MaxMessageBytes)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cn := &conn{
		hub:      h,
		ws:       c,
		ep:       ep,
		meta:     m,
		queue:    sendQueue{max: h.opts.SendQueue},
		ctx:      ctx,
		cancel:   cancel,
		closing:  make(chan struct{}),
		done:     make(chan struct{}),
		finished: make(chan struct{}),
	}
	cn.session = newSession(cn, h.opts.Clock())
	return cn
}

// refuseDraining closes a connection that arrived after Shutdown began.
func (h *Hub) refuseDraining(c *websocket.Conn) {
	h.mu.RLock()
	drain := h.drain
	h.mu.RUnlock()
	c.Close(websocket.StatusServiceRestart, retryReason(drain))
	c.CloseNow()
}

// startLifecycle starts the keepalive and the timers, and returns a
// function that waits for the writer to carry out the close and for a
// ping in flight, and stops the timers. stop may be called only once a
// writer, or Serve itself, carries out the close.
func (cn *conn) startLifecycle(ctx context.Context) (stop func()) {
	cn.startPings()

	stopCtx := context.AfterFunc(ctx, func() {
		cn.requestClose(websocket.StatusGoingAway, "server going away", closeGraceful)
	})
	var timers []*time.Timer
	if d := cn.ep.MaxDuration; d > 0 {
		timers = append(timers, time.AfterFunc(d, func() {
			cn.requestClose(statusTimeout, "max connection duration reached", closeGraceful)
		}))
	}
	if t := cn.session.startIdle(); t != nil {
		timers = append(timers, t)
	}
	return func() {
		<-cn.finished
		cn.stopPings()
		stopCtx()
		for _, t := range timers {
			t.Stop()
		}
		cn.stopWatchdog()
		if cn.stall != nil {
			cn.stall.Stop()
		}
	}
}

// requestClose asks for the connection to close; the first request
// decides the code. Safe to call from any goroutine, any number of times,
// with the hub's lock held (not with sendMu held): it neither blocks nor
// calls out, and starts the writer that carries out the close.
func (cn *conn) requestClose(code websocket.StatusCode, reason string, mode closeMode) {
	if !cn.setClose(code, reason, mode) {
		return
	}
	// The writer carries out the close: wake one if none runs.
	cn.sendMu.Lock()
	cn.startWriterLocked()
	cn.sendMu.Unlock()
}

// setClose records the first close request and starts its watchdog; it
// reports whether this request was the first. It leaves carrying out the
// close to the caller.
func (cn *conn) setClose(code websocket.StatusCode, reason string, mode closeMode) (first bool) {
	cn.closeOnce.Do(func() {
		first = true
		cn.closeCode, cn.closeReason, cn.closeMode = code, reason, mode
		switch mode {
		case closeGraceful:
			cn.watchdog = time.AfterFunc(closeGrace, cn.cancel)
		case closeSlow:
			cn.watchdog = time.AfterFunc(slowGrace, cn.cancel)
		case closeAbort:
			cn.cancel() // no grace; cancelling only wakes goroutines
		}
		close(cn.closing)
	})
	return first
}

// claimCloseUnlessWriting marks the close carried out when no writer
// runs, keeping any writer from starting; a running writer finds the
// close itself. Serve calls it once it has dropped the connection.
func (cn *conn) claimCloseUnlessWriting() {
	cn.sendMu.Lock()
	defer cn.sendMu.Unlock()
	if !cn.writing {
		cn.writing = true // as the writer that finds the close does
		close(cn.finished)
	}
}

func (cn *conn) stopWatchdog() {
	<-cn.closing // set before closing is closed
	if cn.watchdog != nil {
		cn.watchdog.Stop()
	}
}

func (cn *conn) isClosing() bool {
	select {
	case <-cn.closing:
		return true
	default:
		return false
	}
}

// readErrCode names how a connection ended when the read loop, not the
// hub, ended it.
func readErrCode(err error) websocket.StatusCode {
	if errors.Is(err, websocket.ErrMessageTooBig) {
		return websocket.StatusMessageTooBig
	}
	if code := websocket.CloseStatus(err); code != -1 {
		return code
	}
	return websocket.StatusAbnormalClosure
}

// report tells the observer and the log how the connection ended.
func (cn *conn) report() {
	ep, code := cn.ep.Path, cn.closeCode
	if cn.closeMode == closeSlow {
		cn.hub.obs.SlowConsumer(ep)
	}
	if code == websocket.StatusMessageTooBig {
		cn.hub.obs.Violation(ep, "message_too_big")
	}
	cn.hub.obs.Closed(ep, code)

	level := slog.LevelDebug
	switch code {
	case websocket.StatusPolicyViolation, statusRateLimited:
		level = slog.LevelWarn
	}
	// Building the attributes costs more than the rest of report: skip
	// it for the Debug line most connections end with.
	if !cn.hub.log.Enabled(context.Background(), level) {
		return
	}
	attrs := append(cn.logAttrs(), slog.Int("code", int(code)), slog.String("reason", cn.closeReason))
	cn.hub.log.Log(context.Background(), level, "connection closed", attrs...)
}

func (cn *conn) logAttrs() []any {
	return []any{
		slog.String("conn_id", cn.meta.ID),
		slog.String("endpoint", cn.meta.Endpoint),
		slog.String("ip", cn.meta.IP),
		slog.String("user", cn.meta.User),
	}
}

// Application close codes of SPEC section 6.
const (
	statusTimeout     websocket.StatusCode = 4408
	statusRateLimited websocket.StatusCode = 4429
)

// retryReason is the close reason carrying a retry hint.
func retryReason(d time.Duration) string {
	return fmt.Sprintf(`{"retry_after_ms":%d}`, d.Milliseconds())
}
