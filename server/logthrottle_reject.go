package server

import (
	"context"
	"log/slog"
	"net/netip"
	"time"
)

// LogThrottleOptions configures NewRejectLog and NewSuspiciousLog. A nil
// *LogThrottleOptions means the defaults.
type LogThrottleOptions struct {
	// Logger receives the lines. Default slog.Default().
	Logger *slog.Logger

	// Interval is the least time between two lines about one key. Default
	// one minute.
	Interval time.Duration

	// Quiet is how long a key must stay quiet before its next event is
	// logged as a new first one. Default five minutes, the default window.
	Quiet time.Duration

	// MaxKeys bounds the keys remembered; beyond it the least recently
	// seen is forgotten after its pending count is logged. Default 10000.
	MaxKeys int
}

func (o *LogThrottleOptions) withDefaults() LogThrottleOptions {
	c := LogThrottleOptions{}
	if o != nil {
		c = *o
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Interval <= 0 {
		c.Interval = time.Minute
	}
	if c.Quiet <= 0 {
		c.Quiet = 5 * time.Minute
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = 10000
	}
	return c
}

// Rejection is one refused connect attempt, as the connect path knows it.
// It is passed by value and formatted only when a line is written.
type Rejection struct {
	Scope    string     // the deciding key's scope: ScopeIP or ScopeUser
	IP       netip.Addr // the client's IP key (masked for IPv6)
	User     string     // "" when anonymous
	Endpoint string
	Reason   string // a reason of SPEC section 4
	Count    int    // attempts of the deciding key in its window, this one included
}

// rejectKey identifies the key a rejection is throttled under: the IP key,
// or the user for a per-user limit.
type rejectKey struct {
	ip   netip.Addr
	user string
}

// RejectLog writes refused connect attempts to the log without writing a
// line per attempt: the first rejection of a key logs a warning with the
// key, the reason and the count, then at most one summary a minute per key
// carries the number of rejections since. A storm of a million attempts
// from one key writes a line a minute. Build it with NewRejectLog; it is
// safe for concurrent use, and a nil *RejectLog logs nothing.
type RejectLog struct {
	log *slog.Logger
	t   *logThrottle[rejectKey, Rejection]
}

// NewRejectLog returns a RejectLog writing to opts.Logger.
func NewRejectLog(opts *LogThrottleOptions) *RejectLog {
	o := opts.withDefaults()
	return &RejectLog{
		log: o.Logger,
		t:   newLogThrottle[rejectKey, Rejection](o.Interval, o.Quiet, o.MaxKeys),
	}
}

// Rejected notes one refused attempt at now. Past the first line of an
// episode it neither writes nor allocates.
func (r *RejectLog) Rejected(now time.Time, rej Rejection) {
	if r == nil {
		return
	}
	k := rejectKey{ip: rej.IP}
	if rej.Scope == ScopeUser {
		k = rejectKey{user: rej.User}
	}
	var buf [2]throttleLine[Rejection]
	for _, l := range r.t.note(now, k, rej, buf[:0]) {
		r.write(l)
	}
}

// Sweep writes the summaries due at now for keys that went quiet, and
// forgets keys quiet for longer than the quiet period. Call it about once
// an interval (the server's maintenance loop does, every minute).
func (r *RejectLog) Sweep(now time.Time) {
	if r == nil {
		return
	}
	for _, l := range r.t.sweep(now) {
		r.write(l)
	}
}

func (r *RejectLog) write(l throttleLine[Rejection]) {
	ev := l.event
	key := ev.IP.String()
	if ev.Scope == ScopeUser {
		key = ev.User
	}
	attrs := []slog.Attr{
		slog.String(logKeyKey, key),
		slog.String(logKeyScope, ev.Scope),
		slog.String(logKeyIP, ev.IP.String()),
		slog.String(logKeyUser, ev.User),
		slog.String(logKeyEndpoint, ev.Endpoint),
		slog.String(logKeyReason, ev.Reason),
		slog.Int(logKeyCount, ev.Count),
	}
	msg := "connect attempts rejected"
	if !l.first {
		msg = "connect attempts still rejected"
		attrs = append(attrs, slog.Int(logKeyRejected, l.suppressed),
			slog.Duration(logKeyPeriod, l.period))
	}
	r.log.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
}
