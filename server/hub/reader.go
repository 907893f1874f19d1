package hub

import (
	"unicode/utf8"

	"github.com/coder/websocket"
)

// readLoop reads client messages until reading fails, which is how every
// connection ends: after a close the hub requested, the peer's answer
// (or the watchdog) ends the read. Messages arriving while closing are
// dropped.
func (cn *conn) readLoop() error {
	for {
		typ, p, err := cn.ws.Read(cn.ctx)
		if err != nil {
			return err
		}
		if cn.isClosing() {
			continue
		}
		cn.hub.obs.MessageIn(cn.ep.Path)
		cn.session.touch()
		cn.handle(typ, p)
	}
}

// handle applies the rules every message goes through, then the
// endpoint's handler.
func (cn *conn) handle(typ websocket.MessageType, p []byte) {
	binary := typ == websocket.MessageBinary
	if binary && cn.ep.Handler == HandlerChannels {
		cn.violationClose(websocket.StatusUnsupportedData, "binary_frame", "binary frames are not accepted")
		return
	}
	// RFC 6455 section 8.1: text must be UTF-8; coder/websocket leaves
	// checking it to the application.
	if !binary && !utf8.Valid(p) {
		cn.violationClose(websocket.StatusInvalidFramePayloadData, "invalid_utf8", "text frame is not valid UTF-8")
		return
	}
	if !cn.allowRate() {
		return
	}

	if cn.ep.Handler == HandlerChannels {
		cn.session.dispatch(p)
		return
	}
	cn.enqueue(outMsg{binary: binary, payload: p})
}

// violationClose closes the connection for a frame no handler may see.
func (cn *conn) violationClose(code websocket.StatusCode, kind, reason string) {
	cn.hub.obs.Violation(cn.ep.Path, kind)
	cn.requestClose(code, reason, closeGraceful)
}

// allowRate applies the message rate, answering rate_limited while over
// it and closing with 4429 once the connection stayed over for 5 seconds.
func (cn *conn) allowRate() bool {
	s := cn.session
	ok, closeNow := s.allow(cn.hub.opts.Clock())
	if ok {
		return true
	}
	cn.hub.obs.Violation(cn.ep.Path, errRateLimited.code)
	if closeNow {
		cn.requestClose(statusRateLimited, retryReason(s.retryAfter()), closeGraceful)
		return false
	}
	if cn.ep.Handler == HandlerChannels {
		cn.enqueue(outMsg{payload: errRateLimited.frame})
	}
	return false
}
