package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/wsgate/wsgate/persist"
)

// sessionCookie is the name of the login session's cookie.
const sessionCookie = "wsgate_session"

// PermAdmin is the permission that opens /admin and /api/admin/*.
const PermAdmin = "admin"

// principal is who made a request: a logged-in user (by session cookie)
// or an API key (by bearer header).
type principal struct {
	user      string // the session's user; "" for an API key
	apiKey    string // the API key's name; "" for a session
	perms     []string
	sessionID string // persist.SessionID of the cookie; "" for an API key
}

// viaCookie reports whether the credentials came in a cookie, which a
// browser sends on a cross-site request too.
func (p principal) viaCookie() bool { return p.sessionID != "" }

// can reports whether p holds perm.
func (p principal) can(perm string) bool { return slices.Contains(p.perms, perm) }

// errNoCredentials: the request carries no credentials, or unknown ones.
var errNoCredentials = errors.New("authenticate: no valid session or API key")

// authenticate finds who made r: an "Authorization: Bearer <api key>"
// header first, else the session cookie. It answers errNoCredentials for
// missing, unknown or expired credentials and other errors for database
// failures.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		key, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return principal{}, errNoCredentials
		}
		k, err := s.db.LookupAPIKey(ctx, strings.TrimSpace(key))
		if err != nil {
			return principal{}, credentialsError(err)
		}
		return principal{apiKey: k.Name, perms: k.Perms}, nil
	}
	secret, ok := cookieValue(r.Header, sessionCookie)
	if !ok {
		return principal{}, errNoCredentials
	}
	sess, err := s.db.Session(ctx, secret, s.clock())
	if err != nil {
		return principal{}, credentialsError(err)
	}
	return principal{user: sess.User.Name, perms: sess.User.Perms, sessionID: sess.ID}, nil
}

// credentialsError maps "not found" to errNoCredentials.
func credentialsError(err error) error {
	if errors.Is(err, persist.ErrNotFound) {
		return errNoCredentials
	}
	return err
}

// sameSite reports whether a browser request comes from a page the
// server trusts: its Origin is the server's own or an allowed one, or,
// without Origin, Sec-Fetch-Site says the same origin (or none: typed by
// the user). A request with neither header is not from a browser page
// and passes: there is no ambient cookie to abuse.
func (s *Server) sameSite(r *http.Request) bool {
	if o := r.Header["Origin"]; len(o) > 0 {
		return s.origins.allow(o[0], r, s.isHTTPS(r))
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

// isHTTPS reports whether the client reached the server over TLS: directly,
// or through a trusted proxy that says so in X-Forwarded-Proto.
func (s *Server) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	p := r.Header["X-Forwarded-Proto"]
	if len(p) == 0 || !strings.EqualFold(p[0], "https") {
		return false
	}
	return s.ips.peerTrusted(r)
}

// writeAuthError answers a failed authenticate: 401 for missing
// credentials, 500 for a database failure.
func (s *Server) writeAuthError(w http.ResponseWriter, err error) {
	if errors.Is(err, errNoCredentials) {
		writeError(w, http.StatusUnauthorized, "authentication_required",
			"log in or send an API key as Authorization: Bearer <key>")
		return
	}
	s.log.Error("authenticate", "err", err)
	writeError(w, http.StatusInternalServerError, "internal_error",
		"the server could not check credentials")
}
