package server

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsOptions configures NewMetrics. A nil *MetricsOptions means the
// defaults.
type MetricsOptions struct {
	// Endpoints are the configured endpoint paths. Each gets its counters
	// resolved once, at start; any other path is counted as "other".
	Endpoints []string

	// DatabaseRefresh is how long a measured database size is reused
	// before it is measured again. Default 10s.
	DatabaseRefresh time.Duration

	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
}

// Metrics holds wsgate's Prometheus metrics on a private registry, served
// by Handler at /metrics. Build it with NewMetrics; it is safe for
// concurrent use, and its hot-path methods neither lock nor allocate. A nil
// *Metrics is valid and records nothing, so tests may leave it out.
type Metrics struct {
	reg   *prometheus.Registry
	clock func() time.Time
	start time.Time

	// endpoints is written only by NewMetrics, so reading it needs no lock.
	endpoints map[string]*EndpointMetrics
	other     *EndpointMetrics
	paths     []string

	tokens       [len(tokenResults)]prometheus.Counter
	logins       [len(loginResults)]prometheus.Counter
	clientErrors [len(clientErrorKinds)]prometheus.Counter
	reconnect    prometheus.Histogram
	flushes      prometheus.Histogram

	sources *metricSources
}

// EndpointMetrics are one endpoint's metrics, resolved to their label
// values at start so that counting is one atomic add. Get it from
// Metrics.Endpoint once and keep it beside the endpoint. A nil
// *EndpointMetrics records nothing.
type EndpointMetrics struct {
	path        string
	attempts    [len(connectResults)]prometheus.Counter
	connections prometheus.Gauge
	messagesIn  prometheus.Counter
	messagesOut prometheus.Counter
	violations  [len(violationReasons)]prometheus.Counter
	slow        prometheus.Counter
	closed      [len(closeCodes) + 1]prometheus.Counter
	reconnect   prometheus.Histogram
}

// reconnectBuckets spans a client hammering in a loop (milliseconds) to one
// coming back after a long pause (an hour), in seconds.
var reconnectBuckets = []float64{
	0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600,
}

// NewMetrics creates the metrics and registers them, with the Go runtime
// and process collectors, on a new private registry.
func NewMetrics(opts *MetricsOptions) *Metrics {
	o := MetricsOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.DatabaseRefresh <= 0 {
		o.DatabaseRefresh = 10 * time.Second
	}

	m := &Metrics{
		reg:       prometheus.NewRegistry(),
		clock:     o.Clock,
		start:     o.Clock(),
		endpoints: make(map[string]*EndpointMetrics, len(o.Endpoints)),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.registerEndpoints(o.Endpoints)
	m.registerCounters()
	m.sources = newMetricSources(m.reg, o.Clock, o.DatabaseRefresh)
	return m
}

// registerEndpoints creates the per-endpoint vectors and resolves every
// child of every configured endpoint, plus "other".
func (m *Metrics) registerEndpoints(paths []string) {
	v := newEndpointVecs()
	v.register(m.reg)
	m.reconnect = v.reconnect
	for _, p := range paths {
		if _, dup := m.endpoints[p]; dup || p == labelOther {
			continue
		}
		m.endpoints[p] = v.resolve(p)
		m.paths = append(m.paths, p)
	}
	m.other = v.resolve(labelOther)
}

// registerCounters creates the metrics that are not per endpoint.
func (m *Metrics) registerCounters() {
	tokens := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wsgate_token_requests_total",
		Help: "Requests to POST /api/ws-token by result.",
	}, []string{"result"})
	logins := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wsgate_login_attempts_total",
		Help: "Requests to POST /api/login by result.",
	}, []string{"result"})
	kinds := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wsgate_client_errors_total",
		Help: "Error reports from the bundled client by kind.",
	}, []string{"kind"})
	m.flushes = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "wsgate_journal_flush_seconds",
		Help:    "Time the journal writer took to commit one batch.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	m.reg.MustRegister(tokens, logins, kinds, m.flushes)

	for i, r := range tokenResults {
		m.tokens[i] = tokens.WithLabelValues(r)
	}
	for i, r := range loginResults {
		m.logins[i] = logins.WithLabelValues(r)
	}
	for i, k := range clientErrorKinds {
		m.clientErrors[i] = kinds.WithLabelValues(k)
	}
}

// Handler serves the registry in the Prometheus text format, for /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          m.reg,
		EnableOpenMetrics: false,
	})
}

// Endpoint returns the metrics of the endpoint at path, or those counted as
// "other" for a path that was not configured.
func (m *Metrics) Endpoint(path string) *EndpointMetrics {
	if m == nil {
		return nil
	}
	if e, ok := m.endpoints[path]; ok {
		return e
	}
	return m.other
}

// Attempt counts one connect attempt with its result (a reason of SPEC
// section 4) and, when the deciding key had an earlier attempt, the time
// since it (limiter.Decision.SincePrevious). It neither locks nor
// allocates.
func (e *EndpointMetrics) Attempt(result string, sincePrevious time.Duration) {
	if e == nil {
		return
	}
	e.attempts[indexOf(connectResults[:], result)].Inc()
	if sincePrevious > 0 {
		e.reconnect.Observe(sincePrevious.Seconds())
	}
}

// TokenRequest counts one request to POST /api/ws-token with its result:
// "ok" or the error code answered.
func (m *Metrics) TokenRequest(result string) {
	if m == nil {
		return
	}
	m.tokens[indexOf(tokenResults[:], result)].Inc()
}

// Login counts one request to POST /api/login with its result.
func (m *Metrics) Login(result string) {
	if m == nil {
		return
	}
	m.logins[indexOf(loginResults[:], result)].Inc()
}

// ClientError counts one report from the bundled client by kind.
func (m *Metrics) ClientError(kind string) {
	if m == nil {
		return
	}
	m.clientErrors[indexOf(clientErrorKinds[:], kind)].Inc()
}

// JournalFlushed records one journal batch commit; its signature matches
// persist.JournalOptions.OnFlush.
func (m *Metrics) JournalFlushed(rows int, took time.Duration) {
	if m == nil || rows <= 0 {
		return
	}
	m.flushes.Observe(took.Seconds())
}

// Uptime returns how long ago the metrics were created.
func (m *Metrics) Uptime() time.Duration {
	return m.clock().Sub(m.start)
}
