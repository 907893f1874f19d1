package server

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// MetricsSnapshot is the current value of wsgate's metrics, the body of
// GET /api/admin/stats. Counters are totals since start; the admin page
// differences two snapshots to draw rates.
type MetricsSnapshot struct {
	UptimeSeconds   float64                       `json:"uptime_seconds"`
	ConnectAttempts map[string]map[string]float64 `json:"connect_attempts"` // endpoint -> result -> total
	Connections     map[string]float64            `json:"connections"`      // endpoint -> open
	Messages        map[string]map[string]float64 `json:"messages"`         // endpoint -> in|out -> total
	Violations      map[string]map[string]float64 `json:"violations"`       // endpoint -> reason -> total
	TokenRequests   map[string]float64            `json:"token_requests"`   // result -> total
	Logins          map[string]float64            `json:"logins"`           // result -> total
	ClientErrors    map[string]float64            `json:"client_errors"`    // kind -> total
	Limiter         map[string]LimiterStats       `json:"limiter"`          // scope -> stats
	Journal         JournalSnapshot               `json:"journal"`
	DatabaseBytes   int64                         `json:"database_bytes"`
	Reconnects      HistogramSnapshot             `json:"reconnect_intervals"`
}

// HistogramSnapshot is a histogram in a MetricsSnapshot: the cumulative
// count of observations at or below each bucket's upper bound, in seconds.
type HistogramSnapshot struct {
	Count   uint64   `json:"count"`
	Sum     float64  `json:"sum"`
	Buckets []Bucket `json:"buckets"`
}

// Bucket is one histogram bucket.
type Bucket struct {
	LE    float64 `json:"le"`
	Count uint64  `json:"count"`
}

// LimiterStats is one limiter scope in a MetricsSnapshot.
type LimiterStats struct {
	Keys      int    `json:"keys"`
	Evictions uint64 `json:"evictions"`
}

// JournalSnapshot is the journal in a MetricsSnapshot.
type JournalSnapshot struct {
	QueueDepth uint64 `json:"queue_depth"`
	Written    uint64 `json:"written"`
	Dropped    uint64 `json:"dropped"`
}

// Snapshot reads every metric once. Series still at zero are left out of
// the maps, except for open connections, so the answer stays small.
func (m *Metrics) Snapshot() MetricsSnapshot {
	if m == nil {
		return MetricsSnapshot{}
	}
	s := MetricsSnapshot{
		UptimeSeconds:   m.Uptime().Seconds(),
		ConnectAttempts: map[string]map[string]float64{},
		Connections:     map[string]float64{},
		Messages:        map[string]map[string]float64{},
		Violations:      map[string]map[string]float64{},
		TokenRequests:   nonZero(tokenResults[:], m.tokens[:]),
		Logins:          nonZero(loginResults[:], m.logins[:]),
		ClientErrors:    nonZero(clientErrorKinds[:], m.clientErrors[:]),
		Limiter:         map[string]LimiterStats{},
		DatabaseBytes:   m.sources.databaseBytes(),
		Reconnects:      histogram(m.reconnect),
	}
	for _, e := range m.allEndpoints() {
		s.Connections[e.path] = value(e.connections)
		if a := nonZero(connectResults[:], e.attempts[:]); len(a) > 0 {
			s.ConnectAttempts[e.path] = a
		}
		msgs := nonZero([]string{"in", "out"},
			[]prometheus.Counter{e.messagesIn, e.messagesOut})
		if len(msgs) > 0 {
			s.Messages[e.path] = msgs
		}
		if v := nonZero(violationReasons[:], e.violations[:]); len(v) > 0 {
			s.Violations[e.path] = v
		}
	}
	for _, scope := range []string{ScopeIP, ScopeUser} {
		keys, evictions := m.sources.limiterTotals(scope)
		s.Limiter[scope] = LimiterStats{Keys: keys, Evictions: evictions}
	}
	s.Journal = JournalSnapshot{
		QueueDepth: m.sources.journalValue(queueDepth),
		Written:    m.sources.journalValue(written),
		Dropped:    m.sources.journalValue(dropped),
	}
	return s
}

// allEndpoints returns the configured endpoints in order, then "other"
// when anything was counted there.
func (m *Metrics) allEndpoints() []*EndpointMetrics {
	out := make([]*EndpointMetrics, 0, len(m.paths)+1)
	for _, p := range m.paths {
		out = append(out, m.endpoints[p])
	}
	o := m.other
	if len(nonZero(connectResults[:], o.attempts[:])) > 0 || value(o.connections) != 0 {
		out = append(out, o)
	}
	return out
}

// nonZero maps each label to its metric's value, leaving out zeros.
func nonZero[M prometheus.Metric](labels []string, metrics []M) map[string]float64 {
	out := make(map[string]float64)
	for i, c := range metrics {
		if v := value(c); v != 0 {
			out[labels[i]] = v
		}
	}
	return out
}

// value reads a counter's or gauge's current value.
func value(c prometheus.Metric) float64 {
	var d dto.Metric
	if err := c.Write(&d); err != nil {
		return 0
	}
	switch {
	case d.Counter != nil:
		return d.Counter.GetValue()
	case d.Gauge != nil:
		return d.Gauge.GetValue()
	}
	return 0
}

// histogram reads a histogram's buckets.
func histogram(h prometheus.Histogram) HistogramSnapshot {
	var d dto.Metric
	if err := h.Write(&d); err != nil || d.Histogram == nil {
		return HistogramSnapshot{}
	}
	out := HistogramSnapshot{Count: d.Histogram.GetSampleCount(), Sum: d.Histogram.GetSampleSum()}
	for _, b := range d.Histogram.GetBucket() {
		out.Buckets = append(out.Buckets, Bucket{LE: b.GetUpperBound(), Count: b.GetCumulativeCount()})
	}
	return out
}
