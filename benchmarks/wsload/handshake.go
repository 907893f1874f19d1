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

// runHandshake is one handshake trial.
func runHandshake(ctx context.Context, t *trial) (sample, error) {
	req := &handshakeRequest{Target: pathOpen}
	return measureAttempts(ctx, t, req, http.StatusSwitchingProtocols)
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
	return measureAttempts(ctx, t, &handshakeRequest{Target: pathReject}, want)
}

// measureAttempts warms up, then runs opts.Dialers loops of req for
// opts.Duration and reports the rate of answers with status want and
// the server's CPU time per such answer.
func measureAttempts(ctx context.Context, t *trial, req *handshakeRequest, want int) (sample, error) {
	same := func(int, int) *handshakeRequest { return req }
	dialLoops(ctx, t.srv.addr, t.opts.Dialers, warmup, same)

	cpu0, cpuErr := t.srv.cpu()
	start := time.Now()
	o := dialLoops(ctx, t.srv.addr, t.opts.Dialers, t.opts.Duration, same)
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
