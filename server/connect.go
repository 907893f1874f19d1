package server

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"github.com/wsgate/wsgate/limiter"
	"github.com/wsgate/wsgate/persist"
)

// attempt is one handshake on its way through the connect path (SPEC
// section 4). It lives on the handler's stack: deciding allocates nothing
// for an anonymous handshake.
type attempt struct {
	now    time.Time
	addr   netip.Addr // the IP key's address (IPv6 masked): the journal's ip
	ipKey  limiter.Key
	reason string

	retryAfter time.Duration    // for rate limits and capacity
	limit      limiter.Decision // the last limiter decision, for metrics

	slot      bool // holds a capacity slot
	user      string
	perms     []string // known when the user came from a session
	hasToken  bool
	tokenHash [32]byte
	channel   string
}

// serveEndpoint returns the handler of one WebSocket endpoint: step 1 of
// the connect path, then the decision, the journal and the answer.
func (s *Server) serveEndpoint(ep *endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed",
				"WebSocket endpoints answer GET only")
			return
		}
		if !isUpgrade(r) {
			writeError(w, http.StatusBadRequest, "bad_request",
				"this is a WebSocket endpoint: send a WebSocket upgrade request")
			return
		}

		var a attempt
		s.decide(r.Context(), r, ep, s.clock(), &a)
		s.record(ep, &a)
		if a.reason != ReasonOK {
			if a.slot {
				s.capacity.release(a.ipKey)
			}
			s.reject(w, r, ep, &a)
			return
		}
		s.accept(w, r, ep, &a)
	})
}

// isUpgrade reports whether r is a WebSocket opening handshake the library
// will accept (RFC 6455 section 4.2.1), so that a malformed one is a plain
// 400 before it counts as an attempt.
func isUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") &&
		headerHasToken(r.Header, "Upgrade", "websocket") &&
		len(r.Header["Sec-Websocket-Key"]) == 1 &&
		r.Header.Get("Sec-Websocket-Version") == "13"
}

// decide runs steps 2 to 9 of the connect path with one clock reading,
// now, and fills a. The first failing step sets the reason; every attempt
// counts against its IP key and, once a user is known, its user key.
func (s *Server) decide(ctx context.Context, r *http.Request, ep *endpoint,
	now time.Time, a *attempt) {
	a.now = now

	// Step 2: the client's IP key.
	client := s.ips.addr(r)
	a.addr = s.ips.key(client)
	a.ipKey = limiter.AddrKey(client, s.opts.IPv6Prefix)

	if !s.admit(r, ep, a) || !s.identify(ctx, r, ep, a) {
		return
	}

	// Step 8: the channel.
	if ep.Handler == HandlerChannels {
		a.channel = ep.DefaultChannel
		if c, ok := queryValue(r.URL.RawQuery, "channel"); ok {
			a.channel = c
		}
		if !ep.ChannelPattern.MatchString(a.channel) {
			a.reason = ReasonBadChannel
			return
		}
	}

	// Step 9: consume the token; of two concurrent uses one fails here.
	if a.hasToken && !s.tokens.consume(a.tokenHash) {
		a.reason = ReasonBadToken
		return
	}
	a.reason = ReasonOK
}

// admit runs steps 3 to 5: origin, capacity and the IP limit. It reports
// false, with a's reason set, when one refuses. Origin and capacity
// refuse before the IP limit decides, yet still count against the key.
func (s *Server) admit(r *http.Request, ep *endpoint, a *attempt) bool {
	if o := r.Header["Origin"]; len(o) > 0 && !s.origins.allow(o[0], r, s.isHTTPS(r)) {
		s.countIP(ep, a)
		s.logs.suspicious.OriginMismatch(a.now, Suspect{IP: a.addr, Endpoint: ep.Path}, o[0])
		a.reason = ReasonForbiddenOrigin
		return false
	}
	if s.draining.Load() {
		s.countIP(ep, a)
		a.reason, a.retryAfter = ReasonUnavailable, s.opts.DrainTimeout
		return false
	}
	if !s.capacity.reserve(a.ipKey) {
		s.countIP(ep, a)
		a.reason, a.retryAfter = ReasonOverCapacity, capacityRetryAfter
		return false
	}
	a.slot = true

	if ep.limits != nil {
		a.limit = ep.limits.IP().Attempt(a.ipKey, a.now)
		if !a.limit.Allowed {
			a.reason, a.retryAfter = ReasonRateLimitedIP, a.limit.RetryAfter
			return false
		}
	}
	return true
}

// identify runs steps 6 and 7: the token (or, without one, the session)
// names the user, whose limit counts attempts from any IP.
func (s *Server) identify(ctx context.Context, r *http.Request, ep *endpoint, a *attempt) bool {
	if ep.RequireToken {
		if !s.checkToken(r, ep, a) {
			a.reason = ReasonBadToken
			return false
		}
	} else {
		s.sessionUser(ctx, r, a)
	}

	if a.user != "" && ep.limits != nil {
		a.limit = ep.limits.User().Attempt(limiter.UserKey(a.user), a.now)
		if !a.limit.Allowed {
			a.reason, a.retryAfter = ReasonRateLimitedUser, a.limit.RetryAfter
			return false
		}
	}
	return true
}

// capacityRetryAfter is the hint given with over_capacity: long enough
// that a full server is not hammered, short enough to notice a free slot.
const capacityRetryAfter = 5 * time.Second

// countIP records a refused attempt against the IP key before the IP
// limit's own step, so that refusals of every kind keep a hammering
// client limited.
func (s *Server) countIP(ep *endpoint, a *attempt) {
	if ep.limits != nil {
		a.limit = ep.limits.IP().Attempt(a.ipKey, a.now)
	}
}

// checkToken finds the handshake's token (query parameter, or the
// subprotocol that keeps it out of URLs) and checks it without consuming
// it: known, unused, unexpired, for this endpoint, and for the session
// whose cookie the handshake carries when it was issued to one.
func (s *Server) checkToken(r *http.Request, ep *endpoint, a *attempt) bool {
	tok, ok := subprotocolToken(r.Header)
	if !ok {
		if tok, ok = queryValue(r.URL.RawQuery, "ws_token"); !ok {
			tok, ok = queryValue(r.URL.RawQuery, "token")
		}
	}
	if !ok {
		return false
	}
	h, ok := hashToken(tok)
	if !ok {
		return false
	}
	e, state := s.tokens.lookup(h, a.now)
	switch {
	case state == tokenUsed:
		s.warnSuspicious(ep, a, e.user, PatternTokenReuse)
		return false
	case state != tokenValid:
		return false
	case e.endpoint != "" && e.endpoint != ep.Path:
		s.warnSuspicious(ep, a, e.user, PatternForeignEndpoint)
		return false
	}
	if e.session != "" {
		secret, ok := cookieValue(r.Header, sessionCookie)
		if !ok || persist.SessionID(secret) != e.session {
			s.warnSuspicious(ep, a, e.user, PatternForeignSessionToken)
			return false
		}
	}
	a.hasToken, a.tokenHash, a.user = true, h, e.user
	return true
}

// sessionUser makes the session cookie's user, if any, the user of a
// handshake on an endpoint that needs no token.
func (s *Server) sessionUser(ctx context.Context, r *http.Request, a *attempt) {
	secret, ok := cookieValue(r.Header, sessionCookie)
	if !ok {
		return
	}
	sess, err := s.db.Session(ctx, secret, a.now)
	if err != nil {
		return
	}
	a.user, a.perms = sess.User.Name, sess.User.Perms
}

// record journals the attempt, counts it in the metrics and, for a
// consumed token, journals its use. None of it blocks.
func (s *Server) record(ep *endpoint, a *attempt) {
	s.journal.Attempt(persist.Attempt{
		At: a.now, Endpoint: ep.Path, IP: a.addr, User: a.user,
		Success: a.reason == ReasonOK, Reason: a.reason,
	})
	if a.reason == ReasonOK && a.hasToken {
		s.journal.TokenUsed(a.tokenHash, a.now)
	}
	ep.metrics.Attempt(a.reason, a.limit.SincePrevious)
	if a.reason != ReasonOK {
		s.noteRejection(ep, a)
	}
}
