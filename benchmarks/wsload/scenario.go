package main

import (
	"context"
	"fmt"
)

// scenario is one load pattern, run alternately against wsgate and the
// baseline. Each trial gets a freshly started server.
type scenario struct {
	name      string
	about     string // one line for the report
	needsUser bool   // wsgate needs the benchmark users before it starts
	// tune, when set, adjusts the generated wsgate configuration for
	// this scenario's trials.
	tune    func(p *configParams, o *options)
	run     func(ctx context.Context, t *trial) (sample, error)
	metrics []metricDef
}

// trial is one run of a scenario against one server.
type trial struct {
	opts *options
	srv  *server
}

// wsgate reports whether the trial runs against wsgate.
func (t *trial) wsgate() bool { return t.srv.target == targetWsgate }

// url is an http URL for path on the trial's server.
func (t *trial) url(path string) string { return "http://" + t.srv.addr + path }

// scenarios returns the definitions of the named scenarios, in order.
func scenarios(names []string) ([]*scenario, error) {
	all := map[string]*scenario{
		"handshake": handshakeScenario(),
		"reject":    rejectScenario(),
		"storm":     stormScenario(),
		"idle":      idleScenario(),
		"token":     tokenScenario(),
		"fanout":    fanoutScenario(),
	}
	out := make([]*scenario, 0, len(names))
	for _, n := range names {
		sc, ok := all[n]
		if !ok {
			return nil, fmt.Errorf("unknown scenario %q", n)
		}
		out = append(out, sc)
	}
	return out, nil
}
