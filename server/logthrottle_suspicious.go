package server

import (
	"context"
	"log/slog"
	"net/netip"
	"time"
)

// Suspicious patterns, the pattern field of SuspiciousLog's warnings.
const (
	PatternTokenReuse          = "token_reuse"           // a used token offered again
	PatternForeignSessionToken = "foreign_session_token" // a token bound to another session
	PatternForeignEndpoint     = "foreign_endpoint_token"
	PatternOriginMismatch      = "origin_mismatch" // a browser page of a foreign origin
)

// Repeated protocol violations are logged by the hub, which knows the
// connection: its close with 1008 is a warning with the IP and user.

// Suspect is the client a suspicious pattern was seen from.
type Suspect struct {
	IP       netip.Addr // the client's IP key
	User     string     // "" when anonymous or not yet known
	Endpoint string
}

// suspicion is one SuspiciousLog event.
type suspicion struct {
	Suspect
	pattern string
	origin  string
}

type suspicionKey struct {
	pattern string
	ip      netip.Addr
	user    string
}

// SuspiciousLog writes warnings about patterns that suggest an attack or a
// leaked token rather than a clumsy client, each with the client's IP and
// user. Like RejectLog it writes the first occurrence of a pattern from one
// client at once and then at most a summary a minute, so an attacker cannot
// flood the log through it. Build it with NewSuspiciousLog; it is safe for
// concurrent use, and a nil *SuspiciousLog logs nothing.
type SuspiciousLog struct {
	log *slog.Logger
	t   *logThrottle[suspicionKey, suspicion]
}

// NewSuspiciousLog returns a SuspiciousLog writing to opts.Logger.
func NewSuspiciousLog(opts *LogThrottleOptions) *SuspiciousLog {
	o := opts.withDefaults()
	return &SuspiciousLog{
		log: o.Logger,
		t:   newLogThrottle[suspicionKey, suspicion](o.Interval, o.Quiet, o.MaxKeys),
	}
}

// Note notes one occurrence of pattern (a Pattern constant) from s.
func (l *SuspiciousLog) Note(now time.Time, pattern string, s Suspect) {
	l.note(now, suspicion{Suspect: s, pattern: pattern})
}

// OriginMismatch notes a handshake or cookie POST from a foreign origin.
// Only the origin's first 200 bytes are logged.
func (l *SuspiciousLog) OriginMismatch(now time.Time, s Suspect, origin string) {
	if len(origin) > 200 {
		origin = origin[:200]
	}
	l.note(now, suspicion{Suspect: s, pattern: PatternOriginMismatch, origin: origin})
}

func (l *SuspiciousLog) note(now time.Time, ev suspicion) {
	if l == nil {
		return
	}
	k := suspicionKey{pattern: ev.pattern, ip: ev.IP, user: ev.User}
	var buf [2]throttleLine[suspicion]
	for _, line := range l.t.note(now, k, ev, buf[:0]) {
		l.write(line)
	}
}

// Sweep writes the summaries due at now and forgets quiet clients.
func (l *SuspiciousLog) Sweep(now time.Time) {
	if l == nil {
		return
	}
	for _, line := range l.t.sweep(now) {
		l.write(line)
	}
}

func (l *SuspiciousLog) write(line throttleLine[suspicion]) {
	ev := line.event
	attrs := []slog.Attr{
		slog.String(logKeyPattern, ev.pattern),
		slog.String(logKeyIP, ev.IP.String()),
		slog.String(logKeyUser, ev.User),
		slog.String(logKeyEndpoint, ev.Endpoint),
	}
	if ev.origin != "" {
		attrs = append(attrs, slog.String(logKeyOrigin, ev.origin))
	}
	msg := "suspicious client"
	if !line.first {
		msg = "suspicious client continues"
		attrs = append(attrs, slog.Int(logKeyCount, line.suppressed),
			slog.Duration(logKeyPeriod, line.period))
	}
	l.log.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
}
