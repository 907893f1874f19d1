package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/wsgate/wsgate/limiter"
	"github.com/wsgate/wsgate/persist"
)

// loginRequest is the body of POST /api/login.
type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// handleLogin checks a username and password and answers 204 with the
// session cookie. Every attempt counts against the client's IP key and
// the username, so neither many names from one address nor one name from
// many addresses can be guessed quickly.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	result := s.login(w, r)
	s.metrics.Login(result)
}

// login does the work of handleLogin and returns the metrics result.
func (s *Server) login(w http.ResponseWriter, r *http.Request) string {
	if !s.sameSite(r) {
		writeError(w, http.StatusForbidden, "forbidden", "cross-site logins are refused")
		return "forbidden"
	}
	var req loginRequest
	if err := decodeBody(w, r, &req); err != nil || req.Username == "" {
		writeError(w, http.StatusBadRequest, "bad_request",
			`send {"username": ..., "password": ...} as JSON`)
		return "bad_request"
	}
	now := s.clock()
	ip := limiter.AddrKey(s.ips.addr(r), s.opts.IPv6Prefix)
	if d := s.logins.Attempt(ip, limiter.UserKey(req.Username), true, now); !d.Allowed {
		writeRateLimited(w, "too many login attempts: wait before trying again", d.RetryAfter)
		return "rate_limited"
	}

	user, err := s.db.Authenticate(r.Context(), req.Username, []byte(req.Password))
	if errors.Is(err, persist.ErrBadCredentials) {
		writeError(w, http.StatusUnauthorized, "authentication_required", "wrong username or password")
		return "bad_credentials"
	}
	if err != nil {
		s.log.Error("log in", "user", req.Username, "err", err)
		writeError(w, http.StatusInternalServerError, "internal_error", "the server could not log you in")
		return "error"
	}
	secret, sess, err := s.db.CreateSession(r.Context(), user.Name, s.opts.Login.SessionTTL)
	if err != nil {
		s.log.Error("create session", "user", user.Name, "err", err)
		writeError(w, http.StatusInternalServerError, "internal_error", "the server could not log you in")
		return "error"
	}
	http.SetCookie(w, s.sessionCookie(r, secret, sess.ExpiresAt))
	w.WriteHeader(http.StatusNoContent)
	return "ok"
}

// sessionCookie returns the login cookie: not readable by scripts, not
// sent on cross-site subrequests, and Secure whenever the client reached
// the server over TLS.
func (s *Server) sessionCookie(r *http.Request, secret string, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name:     sessionCookie,
		Value:    secret,
		Path:     "/",
		Expires:  expires,
		HttpOnly: true,
		Secure:   s.isHTTPS(r),
		SameSite: http.SameSiteLaxMode,
	}
}

// handleLogout ends the session of the request's cookie, if any, and
// clears the cookie: 204 either way.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	secret, ok := cookieValue(r.Header, sessionCookie)
	if ok && !s.sameSite(r) {
		writeError(w, http.StatusForbidden, "forbidden", "cross-site logouts are refused")
		return
	}
	if ok {
		if err := s.db.DeleteSession(r.Context(), secret); err != nil &&
			!errors.Is(err, persist.ErrNotFound) {
			s.log.Error("delete session", "err", err)
		}
	}
	c := s.sessionCookie(r, "", time.Unix(0, 0))
	c.MaxAge = -1
	http.SetCookie(w, c)
	w.WriteHeader(http.StatusNoContent)
}
