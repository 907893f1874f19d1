package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"
)

// reject answers a refused handshake in the endpoint's reject mode.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, ep *endpoint, a *attempt) {
	rj := rejections[a.reason]
	if ep.RejectMode == RejectClose {
		s.rejectClose(w, r, rj.code, a)
		return
	}
	if a.retryAfter > 0 {
		writeRetry(w, rj.status, a.reason, rj.message, a.retryAfter)
		return
	}
	writeError(w, rj.status, a.reason, rj.message)
}

// rejectClose upgrades and at once closes with code, because a browser
// cannot read the status of a refused handshake but can read a close
// code and its reason. The reason is JSON: {"error": ..., "retry_after_ms": N}.
func (s *Server) rejectClose(w http.ResponseWriter, r *http.Request,
	code websocket.StatusCode, a *attempt) {
	c, err := websocket.Accept(w, r, s.acceptOptions)
	if err != nil {
		return // the library has answered the client already
	}
	defer c.CloseNow()
	reason := `{"error":"` + a.reason + `"`
	if a.retryAfter > 0 {
		reason += `,"retry_after_ms":` + strconv.FormatInt(ceilMillis(a.retryAfter), 10)
	}
	reason += "}"

	// Close waits for the client's close frame; a client that never sends
	// it must not hold the handler longer than a moment.
	ctx, cancel := context.WithTimeout(r.Context(), rejectCloseWait)
	defer cancel()
	go func() {
		<-ctx.Done()
		c.CloseNow()
	}()
	c.Close(code, reason)
}

// rejectCloseWait bounds the closing handshake of a refused connection.
const rejectCloseWait = 2 * time.Second

// ceilMillis returns d in whole milliseconds, rounded up.
func ceilMillis(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// ceilSeconds returns d in whole seconds, rounded up, at least 1: what
// Retry-After carries (SPEC section 3).
func ceilSeconds(d time.Duration) int64 {
	n := int64((d + time.Second - 1) / time.Second)
	return max(n, 1)
}
