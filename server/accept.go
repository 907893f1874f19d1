package server

import (
	"context"
	"net/http"

	"github.com/coder/websocket"
	"github.com/wsgate/wsgate/server/hub"
)

// newAcceptOptions returns the upgrade options every endpoint shares.
// The origin was checked at step 3 with wsgate's own rules (which the
// library's check cannot express: wildcards, trusted proxies), so the
// library's is skipped. Selecting "wsgate" answers the subprotocol that
// carries a token, without which a browser fails the handshake.
// Compression is never negotiated: a small frame must not inflate.
func newAcceptOptions() *websocket.AcceptOptions {
	return &websocket.AcceptOptions{
		Subprotocols:       []string{subprotocol},
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	}
}

// accept upgrades an admitted handshake and hands the connection to the
// hub until it ends, holding its capacity slot all along.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, ep *endpoint, a *attempt) {
	defer s.capacity.release(a.ipKey)
	c, err := websocket.Accept(w, r, s.acceptOptions)
	if err != nil {
		s.log.Debug("upgrade failed", "endpoint", ep.Path, "ip", a.addr, "err", err)
		return
	}
	meta := hub.Meta{
		Endpoint: ep.Path,
		Channel:  a.channel,
		User:     a.user,
		IP:       a.addr.String(),
		Perms:    s.perms(r.Context(), a),
		Since:    a.now,
	}
	// s.ctx, not the request's: it ends only when Shutdown gives up on
	// draining.
	s.hub.Serve(s.ctx, c, ep.hub, meta)
}

// perms returns the permissions of the connection's user: those of the
// session it came with, or for a token's user the current ones from the
// database, so that a revoked permission applies to the next connection.
func (s *Server) perms(ctx context.Context, a *attempt) []string {
	if a.user == "" || a.perms != nil {
		return a.perms
	}
	u, err := s.db.User(ctx, a.user)
	if err != nil {
		return nil
	}
	return u.Perms
}
