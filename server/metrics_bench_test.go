package server

import (
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkMetricsAttempt measures counting one connect attempt. The
// baseline looks the child up by its label values on every call, as code
// without pre-resolved counters would.
func BenchmarkMetricsAttempt(b *testing.B) {
	b.Run("preresolved", func(b *testing.B) {
		m := NewMetrics(&MetricsOptions{Endpoints: []string{"/ws/chat", "/ws/echo"}})
		e := m.Endpoint("/ws/echo")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				e.Attempt("rate_limited_ip", time.Second)
			}
		})
	})
	b.Run("baseline=WithLabelValues", func(b *testing.B) {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "x"}, []string{"endpoint", "result"})
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "y", Buckets: reconnectBuckets})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				v.WithLabelValues("/ws/echo", "rate_limited_ip").Inc()
				h.Observe(1)
			}
		})
	})
}

// BenchmarkRejectLogStorm measures noting a refused attempt of a key that
// is already being summarized: the cost a storm pays per attempt.
func BenchmarkRejectLogStorm(b *testing.B) {
	_, logger := newLogCapture()
	r := NewRejectLog(&LogThrottleOptions{Logger: logger})
	rej := Rejection{Scope: ScopeIP, IP: netip.MustParseAddr("203.0.113.1"),
		Endpoint: "/ws/echo", Reason: "rate_limited_ip", Count: 21}
	r.Rejected(t0, rej)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Rejected(t0.Add(time.Second), rej)
		}
	})
}
