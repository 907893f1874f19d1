// Package server is wsgate's HTTP server: it wires the limiter, the
// journal (persist) and the hub into the connect path of SPEC section 4,
// and serves the token and login API, the probes and the browser files.
//
// Start from New, which takes typed Options (the main package turns the
// configuration file into them), then Serve and Shutdown. One handshake
// goes serveEndpoint -> decide (steps 2 to 9, one clock reading, no
// allocation for an anonymous attempt) -> record (journal, metrics) ->
// reject or accept, which hands the connection to server/hub. The files
// follow those steps: clientip.go, origin.go, capacity.go, tokens.go,
// connect.go, reject.go, accept.go; the API is in tokenapi.go, login.go
// and auth.go; RequireAdmin (adminauth.go) guards the admin routes.
//
// A Server is safe for concurrent use; every handler runs on its own
// goroutine and shares only the limiter windows, the token store and the
// capacity counters, each safe for concurrent use.
package server
