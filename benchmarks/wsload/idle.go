package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Idle pacing: how many dials run at once, and how the server's memory
// is allowed to settle before it is read.
const (
	idleDialers     = 32
	settleEvery     = 250 * time.Millisecond
	settleMax       = 3 * time.Second
	settleTolerance = 0.01
)

// idleScenario measures the server memory an idle connection costs: the
// growth of its resident set from before to after opening
// opts.IdleConns connections from opts.IdleSources 127.0.0.x addresses.
func idleScenario() *scenario {
	return &scenario{
		name:  "idle",
		about: "thousands of idle connections from several 127.0.0.x addresses; memory from the server's RSS",
		run:   runIdle,
		metrics: []metricDef{
			{key: "kib_per_conn", label: "server memory per idle connection", unit: "KiB",
				goal: &goal{ratioAtMost, 1.2}},
			{key: "rss_before", label: "server RSS before", unit: "MiB"},
			{key: "rss_after", label: "server RSS with the connections", unit: "MiB"},
			{key: "open_s", label: "time to open them all", unit: "s"},
			{key: "goroutines_per_conn", label: "server goroutines per connection", unit: ""},
			{key: "server_conns", label: "connections the server reports", unit: "", wsgateOnly: true},
		},
	}
}

// runIdle is one idle trial.
func runIdle(ctx context.Context, t *trial) (sample, error) {
	rss0, err := settledRSS(ctx, t.srv)
	if err != nil {
		return nil, err
	}
	g0, gErr := scrapeMetric(ctx, t.url("/metrics"), "go_goroutines")
	start := time.Now()
	conns, err := openIdle(ctx, t)
	defer closeAll(conns)
	if err != nil {
		return nil, err
	}
	opened := time.Since(start)
	rss1, err := settledRSS(ctx, t.srv)
	if err != nil {
		return nil, err
	}
	const mib = 1 << 20
	s := sample{
		"kib_per_conn": float64(rss1-rss0) / 1024 / float64(len(conns)),
		"rss_before":   float64(rss0) / mib,
		"rss_after":    float64(rss1) / mib,
		"open_s":       opened.Seconds(),
	}
	if g1, err := scrapeMetric(ctx, t.url("/metrics"), "go_goroutines"); err == nil && gErr == nil {
		s["goroutines_per_conn"] = (g1 - g0) / float64(len(conns))
	}
	// wsgate's own count confirms the connections are all held open
	// (and not, say, closed by an idle timeout before the reading).
	if t.wsgate() {
		series := fmt.Sprintf("wsgate_connections{endpoint=%q}", pathIdle)
		if n, err := scrapeMetric(ctx, t.url("/metrics"), series); err == nil {
			s["server_conns"] = n
		}
	}
	return s, nil
}

// openIdle opens opts.IdleConns connections to the idle endpoint, each
// left reading in the background so it answers the server's pings. On
// error it returns the connections opened so far with the first error.
func openIdle(ctx context.Context, t *trial) ([]*websocket.Conn, error) {
	clients := sourceClients(t.opts.IdleSources)
	conns := make([]*websocket.Conn, t.opts.IdleConns)
	var (
		next     atomic.Int64
		mu       sync.Mutex // guards firstErr
		firstErr error
		wg       sync.WaitGroup
	)
	url := "ws://" + t.srv.addr + pathIdle
	for range idleDialers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(conns); i = int(next.Add(1) - 1) {
				dctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
				c, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPClient: clients[i%len(clients)]})
				cancel()
				if err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, fmt.Errorf("open idle connection %d: %w", i, err))
					mu.Unlock()
					return
				}
				c.CloseRead(context.Background())
				conns[i] = c
			}
		})
	}
	wg.Wait()
	return compact(conns), firstErr
}

// sourceClients returns one HTTP client per source address 127.0.0.1,
// 127.0.0.2, ..., so the connections spread over several client IPs as
// they would behind a few NAT gateways.
func sourceClients(n int) []*http.Client {
	cs := make([]*http.Client, n)
	for i := range cs {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(i+1))}}
		cs[i] = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	}
	return cs
}

// settledRSS reads the server's RSS until two readings a moment apart
// differ by under settleTolerance, or settleMax has passed.
func settledRSS(ctx context.Context, s *server) (int64, error) {
	prev, err := s.rss()
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(settleMax)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(settleEvery):
		}
		cur, err := s.rss()
		if err != nil {
			return 0, err
		}
		if math.Abs(float64(cur-prev)) < settleTolerance*float64(prev) {
			return cur, nil
		}
		prev = cur
	}
	return prev, nil
}

// closeAll drops the connections without a closing handshake: the
// measurement is over, and the server is stopped next.
func closeAll(conns []*websocket.Conn) {
	for _, c := range conns {
		c.CloseNow()
	}
}

// compact drops the nil entries of conns left by failed dials.
func compact(conns []*websocket.Conn) []*websocket.Conn {
	out := conns[:0]
	for _, c := range conns {
		if c != nil {
			out = append(out, c)
		}
	}
	return out
}

// cmpErr keeps the first non-nil error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
