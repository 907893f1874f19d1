package main

import (
	"context"
	"fmt"
	"time"
)

// runner runs the trials of a load test and collects the report.
type runner struct {
	opts     *options
	launch   *launcher
	progress *progress
}

// run runs every scenario for opts.Rounds rounds, alternating which
// server goes first so that neither always meets a warmer or cooler
// machine, and summarizes each scenario's trials. It stops early, with
// what it has, when ctx ends.
func (r *runner) run(ctx context.Context, scs []*scenario) []scenarioReport {
	var reps []scenarioReport
	for _, sc := range scs {
		if ctx.Err() != nil {
			break
		}
		byTarget := map[string][]sample{}
		var errs []string
		for round := range r.opts.Rounds {
			for _, target := range roundOrder(round) {
				if ctx.Err() != nil {
					break
				}
				r.progress.step(fmt.Sprintf("%s %s round %d", sc.name, target, round+1))
				s, err := r.trial(ctx, sc, target)
				if err != nil {
					errs = append(errs, fmt.Sprintf("%s round %d: %v", target, round+1, err))
					continue
				}
				byTarget[target] = append(byTarget[target], s)
			}
		}
		reps = append(reps, scenarioReport{
			Name: sc.name, About: sc.about, Errors: errs,
			Metrics: summarize(sc.metrics, byTarget[targetWsgate], byTarget[targetBaseline]),
		})
	}
	return reps
}

// roundOrder is wsgate first in even rounds, the baseline first in odd.
func roundOrder(round int) []string {
	if round%2 == 0 {
		return []string{targetWsgate, targetBaseline}
	}
	return []string{targetBaseline, targetWsgate}
}

// trial starts a server, runs one trial of sc against it and stops it.
// A server that fails to stop cleanly fails the trial too.
func (r *runner) trial(ctx context.Context, sc *scenario, target string) (sample, error) {
	srv, err := r.launch.start(ctx, target, sc)
	if err != nil {
		return nil, err
	}
	s, err := sc.run(ctx, &trial{opts: r.opts, srv: srv})
	if err == nil {
		err = srv.alive() // a crash during the trial voids it
	}
	if stopErr := srv.stop(); err == nil {
		err = stopErr
	}
	// Give the kernel a moment to retire the last trial's sockets
	// before the next server starts.
	time.Sleep(100 * time.Millisecond)
	return s, err
}
