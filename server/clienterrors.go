package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/wsgate/wsgate/limiter"
)

// maxClientReportBytes bounds a report's body: the bundled client's are
// under 100 bytes.
const maxClientReportBytes = 2 << 10

// ClientErrorsOptions configures NewClientErrors. A nil
// *ClientErrorsOptions means the defaults.
type ClientErrorsOptions struct {
	// Logger receives each report at debug level. Default slog.Default().
	Logger *slog.Logger

	// Metrics counts reports by kind. Nil counts nothing.
	Metrics *Metrics

	// Limit is how many reports one IP key may send in a window; every
	// request counts, well-formed or not. Default 30 a minute.
	Limit limiter.Policy

	// MaxKeys bounds the IP keys the limiter holds. Default 100000.
	MaxKeys int

	// ClientIP returns the client's address, trusted proxies resolved.
	// Default: the socket's address.
	ClientIP func(*http.Request) netip.Addr

	// IPv6Prefix is the prefix IPv6 clients are keyed by. Default 64.
	IPv6Prefix int

	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
}

// ClientErrors is the handler of POST /api/client-errors: small JSON
// reports from the bundled client, validated, size-bounded, rate limited
// per IP key, counted by kind and logged at debug level. Build it with
// NewClientErrors; it is safe for concurrent use.
type ClientErrors struct {
	log        *slog.Logger
	metrics    *Metrics
	limit      *limiter.Window
	clientIP   func(*http.Request) netip.Addr
	ipv6Prefix int
	clock      func() time.Time
}

// NewClientErrors returns the report handler.
func NewClientErrors(opts *ClientErrorsOptions) *ClientErrors {
	o := ClientErrorsOptions{}
	if opts != nil {
		o = *opts
	}
	setDefault(&o.Logger, slog.Default())
	setDefault(&o.Limit, limiter.Policy{Max: 30, Window: time.Minute})
	setDefault(&o.MaxKeys, 100000)
	setDefault(&o.IPv6Prefix, 64)
	if o.ClientIP == nil {
		o.ClientIP = socketAddr
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return &ClientErrors{
		log:        o.Logger,
		metrics:    o.Metrics,
		limit:      limiter.NewWindow(o.Limit, &limiter.Options{MaxKeys: o.MaxKeys}),
		clientIP:   o.ClientIP,
		ipv6Prefix: o.IPv6Prefix,
		clock:      o.Clock,
	}
}

// clientErrorsHandler builds the handler of /api/client-errors with the
// server's client IPs, clock and limits, and watches its limiter.
func (s *Server) clientErrorsHandler() http.Handler {
	h := NewClientErrors(&ClientErrorsOptions{
		Logger:     s.log.With(logKeyComponent, "client_errors"),
		Metrics:    s.metrics,
		MaxKeys:    s.opts.LimiterMaxKeys,
		ClientIP:   s.ips.addr,
		IPv6Prefix: s.opts.IPv6Prefix,
		Clock:      s.clock,
	})
	s.metrics.WatchWindow(ScopeIP, h.Window())
	return h
}

// Window returns the per-IP limiter, for the limiter metrics.
func (c *ClientErrors) Window() *limiter.Window { return c.limit }

// ServeHTTP answers 204 to a valid report, 429 with Retry-After to an IP
// over its limit, 413 to a body over 2 KiB, 415 to a body that is not
// JSON and 400 to a malformed report.
func (c *ClientErrors) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "send reports with POST")
		return
	}

	// The limit comes first so that a flood costs one limiter check each.
	addr := c.clientIP(r)
	d := c.limit.Attempt(limiter.AddrKey(addr, c.ipv6Prefix), c.clock())
	if !d.Allowed {
		writeRateLimited(w, "too many error reports from this address", d.RetryAfter)
		return
	}

	if !isJSON(r.Header.Get("Content-Type")) {
		writeError(w, http.StatusUnsupportedMediaType, "bad_request",
			"send the report as application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxClientReportBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, "bad_request",
			fmt.Sprintf("a report is at most %d bytes", maxClientReportBytes))
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "read report: "+err.Error())
		return
	}
	rep, err := parseClientReport(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}

	c.metrics.ClientError(rep.Kind)
	c.log.LogAttrs(r.Context(), slog.LevelDebug, "client error report",
		slog.String(logKeyKind, rep.Kind), slog.Int(logKeyCode, rep.Code),
		slog.Int64(logKeyDelayMS, rep.delayMS()), slog.Int(logKeyAttempt, rep.Attempt),
		slog.String(logKeyIP, addr.String()))
	w.WriteHeader(http.StatusNoContent)
}

// clientReport is one report of the bundled client (wsgate.js _report).
type clientReport struct {
	Kind    string   `json:"kind"`    // what happened: connection_lost, giveup, ...
	Code    int      `json:"code"`    // the close code or HTTP status involved; 0 if none
	Delay   *float64 `json:"delay"`   // the reconnect delay scheduled, in ms; null if none
	Attempt int      `json:"attempt"` // the client's reconnect attempt counter
}

func (r clientReport) delayMS() int64 {
	if r.Delay == nil {
		return -1
	}
	return int64(*r.Delay)
}

// Bounds of a report's numbers: anything else is not from our client.
const (
	maxReportKind    = 64
	maxReportDelay   = 24 * 60 * 60 * 1000 // a day, in ms
	maxReportAttempt = 1_000_000
)

// parseClientReport decodes and validates one report: a single JSON object
// with the known fields only, a kind of lowercase letters, digits and
// underscores, and numbers in range.
func parseClientReport(body []byte) (clientReport, error) {
	var rep clientReport
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		return clientReport{}, fmt.Errorf("parse report: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return clientReport{}, errors.New("parse report: data after the JSON object")
	}
	if err := rep.validate(); err != nil {
		return clientReport{}, fmt.Errorf("check report: %w", err)
	}
	return rep, nil
}

func (r clientReport) validate() error {
	if !isReportKind(r.Kind) {
		return fmt.Errorf("kind must be 1 to %d of a-z, 0-9 and _", maxReportKind)
	}
	if r.Code != 0 && (r.Code < 100 || r.Code > 4999) {
		return errors.New("code must be 0, an HTTP status or a close code")
	}
	if r.Delay != nil && (*r.Delay < 0 || *r.Delay > maxReportDelay) {
		return fmt.Errorf("delay must be null or 0 to %d ms", maxReportDelay)
	}
	if r.Attempt < 0 || r.Attempt > maxReportAttempt {
		return fmt.Errorf("attempt must be 0 to %d", maxReportAttempt)
	}
	return nil
}

func isReportKind(s string) bool {
	if len(s) == 0 || len(s) > maxReportKind {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// isJSON reports whether a Content-Type names JSON, so that a cross-site
// form post cannot feed the endpoint without a preflight.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// socketAddr is the client's address when no proxy is trusted.
func socketAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err == nil {
		return ap.Addr().Unmap()
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}
