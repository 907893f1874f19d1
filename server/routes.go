package server

import (
	"io/fs"
	"net/http"

	"github.com/wsgate/wsgate/web"
)

// routes returns the HTTP surface of SPEC section 3. Admin routes are
// wrapped in RequireAdmin.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/login", s.handleLogin)
	mux.HandleFunc("POST /api/logout", s.handleLogout)
	mux.HandleFunc("POST /api/ws-token", s.handleToken)
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	for _, p := range []string{"/api/login", "/api/logout", "/api/ws-token"} {
		mux.Handle(p, methodNotAllowed(http.MethodPost))
	}
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics.Handler())
	}

	// The admin connection API (SPEC section 3), in admin_conns.go.
	mux.Handle("GET /api/admin/connections", s.RequireAdmin(http.HandlerFunc(s.handleAdminConnections)))
	mux.Handle("DELETE /api/admin/connections/{id}", s.RequireAdmin(http.HandlerFunc(s.handleAdminCloseConnection)))
	mux.Handle("POST /api/admin/send", s.RequireAdmin(http.HandlerFunc(s.handleAdminSend)))

	static := web.FS()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	// Observability (SPEC section 7): admin_stats.go, admin_page.go and
	// clienterrors.go.
	mux.Handle("GET /admin", s.adminPage(static))
	mux.Handle("GET /api/admin/stats", s.RequireAdmin(http.HandlerFunc(s.handleAdminStats)))
	mux.Handle("GET /api/admin/attempts", s.RequireAdmin(http.HandlerFunc(s.handleAdminAttempts)))
	mux.Handle("GET /api/admin/top", s.RequireAdmin(http.HandlerFunc(s.handleAdminTop)))
	mux.Handle("/api/client-errors", s.clientErrorsHandler())
	mux.Handle("GET /{$}", serveFile(static, "index.html"))

	// Endpoints take every method so that a wrong one is answered 405 in
	// JSON by the connect path's step 1.
	for _, ep := range s.endpoints {
		mux.Handle(ep.Path, s.serveEndpoint(ep))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "nothing is served at this path")
	})
	return mux
}

// methodNotAllowed answers 405 in JSON for a path served under another
// method (the mux's own answer is plain text).
func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed",
			"this path answers "+allow+" only")
	})
}

// serveFile serves one embedded file, such as the demo page at /.
func serveFile(fsys fs.FS, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, fsys, name)
	})
}

// handleHealthz answers 200 while the process serves at all.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz answers 200 while the server accepts handshakes and 503
// once it drains, so a load balancer stops sending it clients.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the server is shutting down")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
