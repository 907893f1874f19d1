package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// warmup runs before each measured loop, so that the first goroutines,
// connections and heap growth of a fresh server are not measured.
const warmup = 300 * time.Millisecond

// handshakeScenario measures accepted handshakes: many loops connect,
// get 101, exchange close frames and disconnect, against an endpoint
// whose limiter is consulted on every attempt but never rejects.
func handshakeScenario() *scenario {
	return &scenario{
		name:  "handshake",
		about: "accepted handshakes (upgrade, close handshake, disconnect), many parallel dialers",
		run:   runHandshake,
		metrics: []metricDef{
			{key: "per_s", label: "accepted handshakes/s", unit: "/s"},
			{key: "cpu_us", label: "server CPU per handshake", unit: "µs", goal: &goal{ratioAtMost, 1.15}},
			{key: "cores", label: "server CPU in use", unit: "cores"},
		},
	}
}

// handshakeClients is how many client addresses the handshake
// scenario's attempts come from (as X-Forwarded-For through the trusted
// loopback proxy), so that wsgate's limiter tracks many keys, none of
// them near its limit, as with real traffic.
const handshakeClients = 4096

// runHandshake is one handshake trial.
func runHandshake(ctx context.Context, t *trial) (sample, error) {
	reqs := make([]*handshakeRequest, handshakeClients)
	for c := range reqs {
		xff := fmt.Sprintf("X-Forwarded-For: 10.200.%d.%d", byte(c>>8), byte(c))
		reqs[c] = &handshakeRequest{Target: pathOpen, Header: []string{xff}}
	}
	next := func(loop, i int) *handshakeRequest {
		return reqs[(loop*131+i)%len(reqs)]
	}
	return measureAttempts(ctx, t, next, http.StatusSwitchingProtocols)
}

// rejectScenario measures rate-limited attempts on wsgate (429 before
// the upgrade) against accepted handshakes on the baseline: the same
// loops, on an endpoint that allows one attempt an hour per IP.
func rejectScenario() *scenario {
	return &scenario{
		name:  "reject",
		about: "wsgate: attempts refused 429 before the upgrade; baseline: the same attempts accepted",
		run:   runReject,
		metrics: []metricDef{
			{key: "per_s", label: "attempts answered/s (wsgate 429, baseline 101)", unit: "/s",
				goal: &goal{ratioAtLeast, 1.5}},
			{key: "cpu_us", label: "server CPU per answered attempt", unit: "µs"},
			{key: "cores", label: "server CPU in use", unit: "cores"},
		},
	}
}

// runReject is one reject trial.
func runReject(ctx context.Context, t *trial) (sample, error) {
	want := http.StatusSwitchingProtocols
	if t.wsgate() {
		want = http.StatusTooManyRequests
	}
	req := &handshakeRequest{Target: pathReject}
	return measureAttempts(ctx, t, func(int, int) *handshakeRequest { return req }, want)
}

// measureAttempts warms up, then runs opts.Dialers loops of the
// requests next makes for opts.Duration, and reports the rate of answers
// with status want and the server's CPU time per such answer.
func measureAttempts(ctx context.Context, t *trial, next func(loop, i int) *handshakeRequest,
	want int) (sample, error) {
	dialLoops(ctx, t.srv.addr, t.opts.Dialers, warmup, next)

	cpu0, cpuErr := t.srv.cpu()
	start := time.Now()
	o := dialLoops(ctx, t.srv.addr, t.opts.Dialers, t.opts.Duration, next)
	elapsed := time.Since(start)
	cpu1, cpuErr2 := t.srv.cpu()

	n := o.byStatus[want]
	if n == 0 {
		return nil, fmt.Errorf("no attempt answered %d: %s", want, &o)
	}
	if bad := o.total() - n; bad*100 > o.total() {
		return nil, fmt.Errorf("over 1%% of attempts not answered %d: %s", want, &o)
	}
	s := sample{"per_s": float64(n) / elapsed.Seconds()}
	if cpuErr == nil && cpuErr2 == nil {
		used := cpu1 - cpu0
		s["cpu_us"] = float64(used.Microseconds()) / float64(n)
		s["cores"] = used.Seconds() / elapsed.Seconds()
	}
	return s, nil
}
