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
	stormBurst = 6

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
		name: "storm",
		about: "thousands of clients, each its own address, reconnecting in tight bursts; " +
			"a few well-behaved clients connect once a second",
		run:  runStorm,
		tune: stormConfig,
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
			{key: "late_growth", label: "RSS growth after every client's first burst", unit: "%"},
			{key: "limiter_keys", label: "limiter IP keys after", unit: "", wsgateOnly: true},
			{key: "key_use", label: "limiter IP keys / key capacity", unit: "%", wsgateOnly: true,
				goal: &goal{valueAtMost, 100}},
			{key: "evictions", label: "limiter IP key evictions", unit: "", wsgateOnly: true},
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

	// passesLeft counts the storm workers still on their first pass over
	// their clients; allKeysAt is when the last one finished it, so that
	// every storm client had made attempts (and had a limiter key).
	passesLeft int
	allKeysAt  time.Duration
}

// rssPoint is one reading of the server's memory during the storm.
type rssPoint struct {
	at    time.Duration // since the storm began
	bytes int64
}

// runStorm is one storm trial.
func runStorm(ctx context.Context, t *trial) (sample, error) {
	rss0, rssErr := t.srv.rss()
	workers := min(t.opts.StormWorkers, t.opts.StormClients)
	res := &stormResults{passesLeft: workers}
	sctx, cancel := context.WithTimeout(ctx, t.opts.StormDuration)
	defer cancel()

	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { stormWorker(sctx, t, w, start, res) })
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
		addLimiter(ctx, s, t)
	}
	return s, nil
}

// stormConfig gives wsgate's limiter room for half the storm's clients,
// so the storm also shows that memory is bounded by the key capacity:
// the limiter must evict, and hold no more keys than its capacity.
func stormConfig(p *configParams, o *options) {
	p.LimiterMaxKeys = stormKeyCapacity(o)
}

// stormKeyCapacity is the limiter's key capacity during a storm.
func stormKeyCapacity(o *options) int { return max(1, o.StormClients/2) }

// addLimiter adds wsgate's own count of limiter keys and evictions.
func addLimiter(ctx context.Context, s sample, t *trial) {
	page := t.url("/metrics")
	if n, err := scrapeMetric(ctx, page, `wsgate_limiter_keys{scope="ip"}`); err == nil {
		s["limiter_keys"] = n
		if t.srv.cmd != nil { // a given server's capacity is not known
			s["key_use"] = 100 * n / float64(stormKeyCapacity(t.opts))
		}
	}
	if n, err := scrapeMetric(ctx, page, `wsgate_limiter_evictions_total{scope="ip"}`); err == nil {
		s["evictions"] = n
	}
}

// stormSample turns the storm's results into figures, failing the trial
// when the storm or the well-behaved clients got nothing through.
func stormSample(t *trial, res *stormResults, elapsed time.Duration) (sample, error) {
	total := res.storm.total()
	if total == 0 || res.wb.count() == 0 {
		return nil, fmt.Errorf("storm made no attempts (%s) or well-behaved clients none (%d)",
			&res.storm, res.wb.count())
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

// addMemory adds the storm's memory figures to s. late_growth is the
// growth after every storm client has made attempts, when the storm only
// repeats itself; it is left out when the storm ended too soon after
// that moment to tell.
func addMemory(s sample, t *trial, res *stormResults, rss0 int64) {
	rss1, err := t.srv.rss()
	if err != nil || len(res.rss) == 0 {
		return
	}
	const mib = 1 << 20
	peak := rss0
	for _, p := range res.rss {
		peak = max(peak, p.bytes)
	}
	s["rss_before"] = float64(rss0) / mib
	s["rss_peak"] = float64(peak) / mib
	s["rss_after"] = float64(rss1) / mib
	s["growth_per_client"] = float64(peak-rss0) / 1024 / float64(t.opts.StormClients)
	if g, ok := lateGrowth(res.rss, res.allKeysAt, res.passesLeft == 0); ok {
		s["late_growth"] = g
	}
}

// lateGrowth is how much the memory grew, in percent, from the first
// reading at or after from to the largest one after it. It needs done
// and at least minLateReadings readings after from.
func lateGrowth(rss []rssPoint, from time.Duration, done bool) (float64, bool) {
	const minLateReadings = 4
	if !done {
		return 0, false
	}
	var base, top int64
	n := 0
	for _, p := range rss {
		if p.at < from {
			continue
		}
		if n == 0 {
			base = p.bytes
		}
		top = max(top, p.bytes)
		n++
	}
	if n < minLateReadings || base == 0 {
		return 0, false
	}
	return 100 * float64(top-base) / float64(base), true
}

// stormWorker reconnects in a tight loop on behalf of the storm clients
// w, w+workers, w+2*workers, ... in turn, stormBurst attempts each.
func stormWorker(ctx context.Context, t *trial, w int, start time.Time, res *stormResults) {
	workers := min(t.opts.StormWorkers, t.opts.StormClients)
	var clients []string
	for c := w; c < t.opts.StormClients; c += workers {
		clients = append(clients, "X-Forwarded-For: "+stormAddr(c))
	}
	pass := len(clients) * stormBurst
	o := dialLoop(ctx, t.srv.addr, func(i int) *handshakeRequest {
		if i == pass { // the first pass's attempts have all been answered
			res.mu.Lock()
			if res.passesLeft--; res.passesLeft == 0 {
				res.allKeysAt = time.Since(start)
			}
			res.mu.Unlock()
		}
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
