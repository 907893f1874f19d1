package server

import (
	"github.com/prometheus/client_golang/prometheus"
)

// endpointVecs are the metric vectors labelled by endpoint, from which
// each endpoint's children are resolved once.
type endpointVecs struct {
	attempts    *prometheus.CounterVec
	connections *prometheus.GaugeVec
	messages    *prometheus.CounterVec
	violations  *prometheus.CounterVec
	slow        *prometheus.CounterVec
	closed      *prometheus.CounterVec
	reconnect   prometheus.Histogram
}

func newEndpointVecs() *endpointVecs {
	return &endpointVecs{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsgate_connect_attempts_total",
			Help: "WebSocket connect attempts by endpoint and result " +
				"(ok or the reason of the refusal).",
		}, []string{"endpoint", "result"}),
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wsgate_connections",
			Help: "Open WebSocket connections by endpoint.",
		}, []string{"endpoint"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsgate_messages_total",
			Help: "WebSocket messages by endpoint and direction " +
				"(in: received from clients, out: delivered to them).",
		}, []string{"endpoint", "direction"}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsgate_protocol_violations_total",
			Help: "Client frames the hub refused (answered with an error " +
				"or closed for), by endpoint and reason.",
		}, []string{"endpoint", "reason"}),
		slow: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsgate_slow_consumers_total",
			Help: "Connections closed because they did not read fast enough.",
		}, []string{"endpoint"}),
		closed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsgate_connections_closed_total",
			Help: "Closed WebSocket connections by endpoint and close code.",
		}, []string{"endpoint", "code"}),
		reconnect: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "wsgate_reconnect_interval_seconds",
			Help: "Time between two connect attempts of one limiter key " +
				"(IP or user), measured by the limiter.",
			Buckets: reconnectBuckets,
		}),
	}
}

func (v *endpointVecs) register(reg *prometheus.Registry) {
	reg.MustRegister(v.attempts, v.connections, v.messages,
		v.violations, v.slow, v.closed, v.reconnect)
}

// resolve creates every child of one endpoint, so that the series exist
// (at zero) from the first scrape and counting never looks up a label.
func (v *endpointVecs) resolve(path string) *EndpointMetrics {
	e := &EndpointMetrics{
		path:        path,
		connections: v.connections.WithLabelValues(path),
		messagesIn:  v.messages.WithLabelValues(path, "in"),
		messagesOut: v.messages.WithLabelValues(path, "out"),
		slow:        v.slow.WithLabelValues(path),
		reconnect:   v.reconnect,
	}
	for i, r := range connectResults {
		e.attempts[i] = v.attempts.WithLabelValues(path, r)
	}
	for i, r := range violationReasons {
		e.violations[i] = v.violations.WithLabelValues(path, r)
	}
	for i, c := range closeCodeLabels() {
		e.closed[i] = v.closed.WithLabelValues(path, c)
	}
	return e
}
