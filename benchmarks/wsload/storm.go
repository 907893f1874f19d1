package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Storm pacing: storm clients, well-behaved clients and the probes.
const (
	// stormBurst is how many attempts a storm client makes back to back
	// before its worker moves on to the next client. A tight-loop client
	// reconnects at once after each close; a burst keeps that pattern
	// whatever the machine's speed, where plain round-robin over
	// thousands of clients would give each only an attempt or two a
	// second, a rate no limit should refuse.
	stormBurst = 10

	wellBehavedEvery = time.Second
	healthEvery      = 100 * time.Millisecond
	rssEvery         = 250 * time.Millisecond
)

// stormScenario measures what a reconnect storm does to everyone else:
// thousands of clients, each with its own address (sent as
// X-Forwarded-For from a trusted 127.0.0.0/8 proxy), reconnect in a
// tight loop while a few well-behaved clients connect once a second.
func stormScenario() *scenario {
	return &scenario{
		name:  "storm",
		about: "thousands of clients, each its own address, reconnecting in tight bursts; a few well-behaved clients connect once a second",
		run:   runStorm,
		metrics: []metricDef{
			{key: "per_s", label: "storm attempts/s", unit: "/s"},
			{key: "rejected", label: "storm attempts rejected", unit: "%", wsgateOnly: true},
			{key: "wb_p50", label: "well-behaved handshake p50", unit: "ms"},
			{key: "wb_p99", label: "well-behaved handshake p99", unit: "ms", goal: &goal{valueBelow, 50}},
			{key: "wb_refused", label: "well-behaved attempts refused", unit: ""},
			{key: "health_p50", label: "/healthz p50", unit: "ms"},
			{key: "health_p99", label: "/healthz p99", unit: "ms"},
			{key: "rss_before", label: "server RSS before", unit: "MiB"},
			{key: "rss_peak", label: "server RSS peak", unit: "MiB"},
			{key: "rss_after", label: "server RSS after", unit: "MiB"},
			{key: "growth_per_client", label: "RSS growth per storm client", unit: "KiB"},
			{key: "late_growth", label: "RSS growth in the storm's second half", unit: "%",
				goal: &goal{valueAtMost, 10}},
			{key: "limiter_keys", label: "limiter IP keys after", unit: "", wsgateOnly: true},
		},
	}
}

// stormResults gathers what the storm's goroutines measured.
type stormResults struct {
	mu       sync.Mutex // guards everything below
	storm    outcomes
	wb       latencies
	wbRefuse int
	health   latencies
	rss      []rssPoint
}

// rssPoint is one reading of the server's memory during the storm.
type rssPoint struct {
	at    time.Duration // since the storm began
	bytes int64
}

// runStorm is one storm trial.
func runStorm(ctx context.Context, t *trial) (sample, error) {
	rss0, rssErr := t.srv.rss()
	res := &stormResults{}
	sctx, cancel := context.WithTimeout(ctx, t.opts.StormDuration)
	defer cancel()

	start := time.Now()
	var wg sync.WaitGroup
	for w := range t.opts.StormWorkers {
		wg.Go(func() { stormWorker(sctx, t, w, res) })
	}
	for c := range t.opts.WellBehaved {
		wg.Go(func() { wellBehaved(sctx, t, c, res) })
	}
	wg.Go(func() { probeHealth(sctx, t, res) })
	if rssErr == nil {
		wg.Go(func() { watchRSS(sctx, t, start, res) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	s, err := stormSample(t, res, elapsed)
	if err != nil {
		return nil, err
	}
	if rssErr == nil {
		addMemory(s, t, res, rss0)
	}
	if t.wsgate() {
		if n, err := scrapeMetric(ctx, t.url("/metrics"), `wsgate_limiter_keys{scope="ip"}`); err == nil {
			s["limiter_keys"] = n
		}
	}
	return s, nil
}

// stormSample turns the storm's results into figures, failing the trial
// when the storm or the well-behaved clients got nothing through.
func stormSample(t *trial, res *stormResults, elapsed time.Duration) (sample, error) {
	total := res.storm.total()
	if total == 0 || res.wb.count() == 0 {
		return nil, fmt.Errorf("storm made no attempts (%s) or well-behaved clients none (%d)", &res.storm, res.wb.count())
	}
	if res.storm.errors*10 > total {
		return nil, fmt.Errorf("over 10%% of storm attempts failed: %s", &res.storm)
	}
	s := sample{
		"per_s":      float64(total) / elapsed.Seconds(),
		"rejected":   100 * float64(total-res.storm.byStatus[http.StatusSwitchingProtocols]) / float64(total),
		"wb_p50":     res.wb.quantileMs(50),
		"wb_p99":     res.wb.quantileMs(99),
		"wb_refused": float64(res.wbRefuse),
		"health_p50": res.health.quantileMs(50),
		"health_p99": res.health.quantileMs(99),
	}
	return s, nil
}

// addMemory adds the storm's memory figures to s. Memory is bounded when
// it stops growing once every storm client has a limiter key: the keys
// are all made in the first seconds, so the second half of the storm
// should add nothing but garbage the collector takes back.
func addMemory(s sample, t *trial, res *stormResults, rss0 int64) {
	rss1, err := t.srv.rss()
	if err != nil || len(res.rss) == 0 {
		return
	}
	const mib = 1 << 20
	peak, mid, late := rss0, int64(0), int64(0)
	for _, p := range res.rss {
		peak = max(peak, p.bytes)
		if p.at <= t.opts.StormDuration/2 {
			mid = p.bytes
		} else {
			late = max(late, p.bytes)
		}
	}
	s["rss_before"] = float64(rss0) / mib
	s["rss_peak"] = float64(peak) / mib
	s["rss_after"] = float64(rss1) / mib
	s["growth_per_client"] = float64(peak-rss0) / 1024 / float64(t.opts.StormClients)
	if mid > 0 && late > 0 {
		s["late_growth"] = 100 * float64(max(late-mid, 0)) / float64(mid)
	}
}

// stormWorker reconnects in a tight loop on behalf of the storm clients
// w, w+workers, w+2*workers, ... in turn, stormBurst attempts each.
func stormWorker(ctx context.Context, t *trial, w int, res *stormResults) {
	var clients []string
	for c := w; c < t.opts.StormClients; c += t.opts.StormWorkers {
		clients = append(clients, "X-Forwarded-For: "+stormAddr(c))
	}
	if len(clients) == 0 {
		return
	}
	o := dialLoop(ctx, t.srv.addr, func(i int) *handshakeRequest {
		return &handshakeRequest{Target: pathStorm, Header: []string{clients[(i/stormBurst)%len(clients)]}}
	})
	res.mu.Lock()
	res.storm.add(o)
	res.mu.Unlock()
}

// stormAddr is storm client c's address, in 10.0.0.0/8.
func stormAddr(c int) string {
	return fmt.Sprintf("10.%d.%d.%d", byte(c>>16), byte(c>>8), byte(c))
}

// wellBehaved connects once a second as one client with its own
// address, its first attempt offset so the clients spread over the
// second, and records each handshake's latency.
func wellBehaved(ctx context.Context, t *trial, c int, res *stormResults) {
	req := &handshakeRequest{
		Target: pathStorm,
		Header: []string{fmt.Sprintf("X-Forwarded-For: 172.16.%d.%d", byte(c>>8), byte(c))},
	}
	offset := wellBehavedEvery * time.Duration(c) / time.Duration(t.opts.WellBehaved)
	next := time.Now().Add(offset)
	var d net.Dialer
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		next = next.Add(wellBehavedEvery)
		r, err := handshake(ctx, &d, t.srv.addr, req)
		if expired(ctx) {
			return
		}
		res.mu.Lock()
		if err != nil || r.Status != http.StatusSwitchingProtocols {
			res.wbRefuse++
		} else {
			res.wb.observe(r.Latency)
		}
		res.mu.Unlock()
	}
}

// probeHealth GETs /healthz on a new connection every healthEvery, as a
// load balancer's health check would, and records the latency.
func probeHealth(ctx context.Context, t *trial, res *stormResults) {
	tick := time.NewTicker(healthEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		start := time.Now()
		status, err := httpStatus(ctx, t.url("/healthz"))
		if expired(ctx) {
			return
		}
		if err == nil && status == http.StatusOK {
			res.mu.Lock()
			res.health.observe(time.Since(start))
			res.mu.Unlock()
		}
	}
}

// watchRSS samples the server's memory until ctx ends.
func watchRSS(ctx context.Context, t *trial, start time.Time, res *stormResults) {
	tick := time.NewTicker(rssEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if rss, err := t.srv.rss(); err == nil {
			res.mu.Lock()
			res.rss = append(res.rss, rssPoint{time.Since(start), rss})
			res.mu.Unlock()
		}
	}
}
