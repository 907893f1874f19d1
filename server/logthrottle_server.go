package server

import (
	"log/slog"
	"time"
)

// throttledLogs are the server's two throttled warning logs.
type throttledLogs struct {
	rejects    *RejectLog
	suspicious *SuspiciousLog
}

func newThrottledLogs(l *slog.Logger) throttledLogs {
	if l == nil {
		l = slog.Default()
	}
	return throttledLogs{
		rejects:    NewRejectLog(&LogThrottleOptions{Logger: l.With(logKeyComponent, "rejections")}),
		suspicious: NewSuspiciousLog(&LogThrottleOptions{Logger: l.With(logKeyComponent, "suspicious")}),
	}
}

// sweep writes the summaries due at now; the maintenance loop calls it
// every minute.
func (t throttledLogs) sweep(now time.Time) {
	t.rejects.Sweep(now)
	t.suspicious.Sweep(now)
}
