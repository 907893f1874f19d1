package server

import "net/http"

// RequireAdmin wraps the handlers of /admin and /api/admin/*: it lets
// through an API key (Authorization: Bearer) or a logged-in session that
// holds the permission PermAdmin (for a key: "wsgate apikey create NAME
// --perm admin"). Others get 401 (no credentials) or 403 (no permission). A state-changing request authenticated by cookie must
// also come from the server's own or an allowed origin (403 otherwise),
// so another site cannot act with an administrator's cookie.
func (s *Server) RequireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r.Context(), r)
		if err != nil {
			s.writeAuthError(w, err)
			return
		}
		if !p.can(PermAdmin) {
			writeError(w, http.StatusForbidden, "forbidden", "this needs the admin permission")
			return
		}
		if p.viaCookie() && !safeMethod(r.Method) && !s.sameSite(r) {
			writeError(w, http.StatusForbidden, "forbidden", "cross-site requests are refused")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// safeMethod reports whether method changes nothing (RFC 9110 section 9.2.1).
func safeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}
