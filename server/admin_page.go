package server

import (
	"errors"
	"io/fs"
	"net/http"
)

// adminPage serves the admin dashboard at /admin. The page itself
// holds no data: everything it shows comes from /api/admin/*, which
// RequireAdmin guards. So that a visitor without credentials can log in
// (or paste an API key) from it, the page is served to everyone, but with
// the status RequireAdmin would answer: 200 for an administrator, 401
// without credentials, 403 without the admin permission.
func (s *Server) adminPage(fsys fs.FS) http.Handler {
	page, err := fs.ReadFile(fsys, "admin.html")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err != nil {
			writeError(w, http.StatusNotFound, "not_found", "the admin page is not built in")
			return
		}
		status := http.StatusOK
		p, aerr := s.authenticate(r.Context(), r)
		switch {
		case errors.Is(aerr, errNoCredentials):
			status = http.StatusUnauthorized
		case aerr != nil:
			s.writeAuthError(w, aerr)
			return
		case !p.can(PermAdmin):
			status = http.StatusForbidden
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "+
			"style-src 'self'; frame-ancestors 'none'")
		w.WriteHeader(status)
		w.Write(page)
	})
}
