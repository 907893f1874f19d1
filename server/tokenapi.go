package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/wsgate/wsgate/limiter"
	"github.com/wsgate/wsgate/persist"
)

// tokenRequest is the optional body of POST /api/ws-token.
type tokenRequest struct {
	User     string `json:"user"`     // with an API key: whom the token is for
	Endpoint string `json:"endpoint"` // binds the token to this endpoint
}

// tokenResponse is the answer of POST /api/ws-token.
type tokenResponse struct {
	Token     string `json:"token"`
	ExpiresIn int64  `json:"expires_in"`
}

// maxUserName bounds the user an API key may issue a token for.
const maxUserName = 128

// handleToken issues a single-use WebSocket token (SPEC section 5).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	result := s.issueToken(w, r)
	s.metrics.TokenRequest(result)
}

// issueToken does the work of handleToken and returns the metrics result.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) string {
	p, err := s.authenticate(r.Context(), r)
	if err != nil {
		s.writeAuthError(w, err)
		return resultOf(err)
	}
	if p.viaCookie() && !s.sameSite(r) {
		s.logs.suspicious.OriginMismatch(s.clock(), Suspect{IP: s.ips.key(s.ips.addr(r)),
			User: p.user, Endpoint: r.URL.Path}, r.Header.Get("Origin"))
		writeError(w, http.StatusForbidden, "forbidden", "cross-site token requests are refused")
		return "forbidden"
	}
	var req tokenRequest
	if err := decodeBody(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", `send {"endpoint": ...} as JSON, or nothing`)
		return "bad_request"
	}
	user, code, msg := tokenUser(p, req.User)
	if code != "" {
		writeError(w, statusOf(code), code, msg)
		return code
	}
	var ep *endpoint
	if req.Endpoint != "" {
		if ep = s.endpoints[req.Endpoint]; ep == nil {
			writeError(w, http.StatusNotFound, "not_found", "no WebSocket endpoint has that path")
			return "not_found"
		}
	}

	now := s.clock()
	if wait, scope := s.connectWait(r, ep, p, user, now); wait > 0 {
		writeRateLimited(w, "too many connection attempts"+scope+": wait before asking for a token", wait)
		return "rate_limited"
	}
	d, ok := s.spendIssue(user, now)
	if !ok {
		writeRateLimited(w, "too many tokens requested: wait before asking again", d.RetryAfter)
		return "rate_limited"
	}
	return s.writeToken(w, r, p, user, ep, d, now)
}

// tokenUser returns whom a token is for: the session's user, or for an
// API key the user named in the body. On failure it returns an error code
// and message.
func tokenUser(p principal, named string) (user, code, msg string) {
	if p.viaCookie() {
		if named != "" && named != p.user {
			return "", "forbidden", "a session may ask for tokens for its own user only"
		}
		return p.user, "", ""
	}
	if named == "" || len(named) > maxUserName {
		return "", "bad_request", `with an API key, name the user: {"user": NAME}`
	}
	return named, "", ""
}

// connectWait returns how long the caller must wait before its IP key or
// user may connect to ep again, so that a browser learns the wait from a
// readable answer rather than a failed handshake. An API key's own address
// is a backend's, not the user's, so only the user counts for it.
func (s *Server) connectWait(r *http.Request, ep *endpoint, p principal,
	user string, now time.Time) (time.Duration, string) {
	if ep == nil || ep.limits == nil {
		return 0, ""
	}
	if p.viaCookie() {
		ip := limiter.AddrKey(s.ips.addr(r), s.opts.IPv6Prefix)
		if d := ep.limits.IP().Peek(ip, now); !d.Allowed {
			return d.RetryAfter, " from this address"
		}
	}
	if d := ep.limits.User().Peek(limiter.UserKey(user), now); !d.Allowed {
		return d.RetryAfter, " by this user"
	}
	return 0, ""
}

// spendIssue takes one token from the user's issue budget. Only issued
// tokens count: a refused request does not push the wait further out.
func (s *Server) spendIssue(user string, now time.Time) (limiter.Decision, bool) {
	k := limiter.UserKey(user)
	if d := s.tokenIssues.Peek(k, now); !d.Allowed {
		return d, false
	}
	d := s.tokenIssues.Attempt(k, now)
	return d, d.Allowed
}

// writeToken creates, stores and journals the token and answers it with
// the issue limit's RateLimit headers. The token appears in this answer
// and nowhere else: the store and the journal keep its hash.
func (s *Server) writeToken(w http.ResponseWriter, r *http.Request, p principal, user string,
	ep *endpoint, d limiter.Decision, now time.Time) string {
	tok, h, err := newToken()
	if err != nil {
		s.log.Error("issue token", "err", err)
		writeError(w, http.StatusInternalServerError, "internal_error",
			"the server could not issue a token")
		return "error"
	}
	e := tokenEntry{user: user, created: now}
	if s.opts.Token.BindSession {
		e.session = p.sessionID
	}
	if ep != nil {
		e.endpoint = ep.Path
	}
	s.tokens.add(h, e)
	s.journal.TokenIssued(persist.TokenIssue{
		Hash: h, User: user, Session: e.session, Endpoint: e.endpoint,
		CreatedAt: now, ExpiresAt: now.Add(s.opts.Token.TTL),
	})

	s.writeRateLimitHeaders(w, user, d, now)
	writeJSON(w, http.StatusOK, tokenResponse{Token: tok, ExpiresIn: ceilSeconds(s.opts.Token.TTL)})
	return "ok"
}

// writeRateLimitHeaders describes the user's issue budget after this
// token. With budget left, the whole of it is back one window from now
// (this token is the newest in the window); with none left, Reset is
// when the next token can be had, the Retry-After a further request
// would get.
func (s *Server) writeRateLimitHeaders(w http.ResponseWriter, user string,
	d limiter.Decision, now time.Time) {
	remaining := max(s.opts.Token.MaxPerMinute-d.Count, 0)
	reset := int64(tokenIssueWindow / time.Second)
	if remaining == 0 {
		reset = ceilSeconds(s.tokenIssues.Peek(limiter.UserKey(user), now).RetryAfter)
	}
	hdr := w.Header()
	hdr.Set("RateLimit-Limit", strconv.Itoa(s.opts.Token.MaxPerMinute))
	hdr.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	hdr.Set("RateLimit-Reset", strconv.FormatInt(reset, 10))
}

// tokenIssueWindow is the sliding window of token.max_per_minute.
const tokenIssueWindow = time.Minute

// resultOf is the metrics result of an authenticate failure.
func resultOf(err error) string {
	if err == errNoCredentials {
		return "authentication_required"
	}
	return "error"
}

// statusOf returns the HTTP status of an error code.
func statusOf(code string) int {
	switch code {
	case "forbidden":
		return http.StatusForbidden
	case "not_found":
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}
