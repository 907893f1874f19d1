package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/coder/websocket"
)

// runBaselineServer is the hidden "baseline-server" mode: the harness
// re-executes itself with it to get the bare github.com/coder/websocket
// server every scenario is compared with, in its own process so that its
// CPU time and memory can be read from /proc just like wsgate's. It
// prints "listening ADDR" on stdout once it accepts connections and
// serves until ctx ends.
func runBaselineServer(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("baseline-server", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("baseline listen: %w", err)
	}
	srv := &http.Server{Handler: baselineMux(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "listening %s\n", ln.Addr())

	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("baseline serve: %w", err)
	}
	return nil
}

// baselineMux routes the same paths wsgate is configured with, each to
// the least a bare server needs to answer it: echo endpoints, a broadcast
// endpoint, probes, a goroutine count, and a login and token issuer that
// check nothing and store nothing (so the token scenario's ratio is the
// price of wsgate's real checks).
func baselineMux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, p := range []string{pathOpen, pathIdle, pathReject, pathStorm, pathToken} {
		mux.HandleFunc("GET "+p, serveEcho)
	}
	mux.Handle("GET "+pathFanout, newBroadcast())

	ok := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }
	mux.HandleFunc("GET /healthz", ok)
	mux.HandleFunc("GET /readyz", ok)
	mux.HandleFunc("POST /api/login", baselineLogin)
	mux.HandleFunc("POST /api/ws-token", baselineToken)
	mux.HandleFunc("GET /metrics", baselineMetrics)
	return mux
}

// baselineMetrics answers the one Prometheus series the harness reads
// from both servers: the number of goroutines.
func baselineMetrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "go_goroutines %d\n", runtime.NumGoroutine())
}

// serveEcho upgrades and sends every message back unchanged.
func serveEcho(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	for {
		typ, rd, err := c.Reader(ctx)
		if err != nil {
			return
		}
		wr, err := c.Writer(ctx, typ)
		if err != nil {
			return
		}
		if _, err := io.Copy(wr, rd); err != nil {
			return
		}
		if err := wr.Close(); err != nil {
			return
		}
	}
}

// baselineLogin sets a random session cookie without looking at the body.
func baselineLogin(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	http.SetCookie(w, &http.Cookie{Name: "wsgate_session", Value: randomHex(32), HttpOnly: true, Path: "/"})
	w.WriteHeader(http.StatusNoContent)
}

// baselineToken answers a random token to any request with a cookie.
func baselineToken(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	if _, err := r.Cookie("wsgate_session"); err != nil {
		http.Error(w, `{"error":"authentication_required"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"token":%q,"expires_in":60}`, randomHex(32))
}

// randomHex is n bytes from crypto/rand in lowercase hex, as wsgate's
// tokens are.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
