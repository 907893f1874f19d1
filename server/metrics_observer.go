package server

import "github.com/coder/websocket"

// The methods below make *Metrics the hub's Observer (hub.Options.Observer):
// the hub calls them for every connection and message, so like Attempt they
// neither lock nor allocate.

// Opened counts a connection that the hub started serving on endpoint.
func (m *Metrics) Opened(endpoint string) {
	if m == nil {
		return
	}
	m.Endpoint(endpoint).connections.Inc()
}

// Closed counts a connection of endpoint that ended with code.
func (m *Metrics) Closed(endpoint string, code websocket.StatusCode) {
	if m == nil {
		return
	}
	e := m.Endpoint(endpoint)
	e.connections.Dec()
	e.closed[closeCodeIndex(int(code))].Inc()
}

// MessageIn counts one message received from a client on endpoint.
func (m *Metrics) MessageIn(endpoint string) {
	if m == nil {
		return
	}
	m.Endpoint(endpoint).messagesIn.Inc()
}

// MessageOut counts n messages delivered to clients on endpoint.
func (m *Metrics) MessageOut(endpoint string, n int) {
	if m == nil || n <= 0 {
		return
	}
	m.Endpoint(endpoint).messagesOut.Add(float64(n))
}

// Violation counts one client frame refused on endpoint, by reason (an
// error code of the hub; others are counted as "other").
func (m *Metrics) Violation(endpoint, reason string) {
	if m == nil {
		return
	}
	m.Endpoint(endpoint).violations[indexOf(violationReasons[:], reason)].Inc()
}

// SlowConsumer counts one connection of endpoint closed for not reading.
func (m *Metrics) SlowConsumer(endpoint string) {
	if m == nil {
		return
	}
	m.Endpoint(endpoint).slow.Inc()
}
