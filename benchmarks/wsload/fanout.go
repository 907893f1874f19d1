package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Fan-out pacing. The publisher keeps at most publishWindow messages in
// flight (sent but not yet back on its own connection), so the run
// measures delivery, not how deep the server's queues are.
const (
	publishWindow = 16
	drainMax      = 3 * time.Second
	joinMax       = 10 * time.Second
)

// fanoutScenario measures one publisher and many subscribers in one
// channel: messages delivered to subscribers per second.
func fanoutScenario() *scenario {
	return &scenario{
		name:  "fanout",
		about: "one publisher, many subscribers in one channel",
		run:   runFanout,
		metrics: []metricDef{
			{key: "per_s", label: "messages delivered/s", unit: "/s"},
			{key: "published_per_s", label: "messages published/s", unit: "/s"},
			{key: "lost", label: "deliveries lost", unit: "%"},
			{key: "cpu_us", label: "server CPU per delivery", unit: "µs"},
		},
	}
}

// fanoutRun is the state of one fanout trial.
type fanoutRun struct {
	received  atomic.Int64  // messages delivered to subscribers
	echoes    chan struct{} // one token per message back at the publisher
	errFrames atomic.Int64  // error frames the publisher got back
}

// runFanout is one fanout trial.
func runFanout(ctx context.Context, t *trial) (sample, error) {
	url := "ws://" + t.srv.addr + pathFanout + "?channel=" + fanoutChannel
	run := &fanoutRun{echoes: make(chan struct{}, 1<<16)}
	subs, err := subscribe(ctx, url, t.opts.Subscribers, run)
	defer closeAll(subs)
	if err != nil {
		return nil, err
	}
	pub, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("connect publisher: %w", err)
	}
	defer pub.CloseNow()
	go readEchoes(pub, run)

	if err := awaitJoined(ctx, pub, run, len(subs)); err != nil {
		return nil, err
	}
	return publish(ctx, t, pub, run, len(subs))
}

// publish sends for opts.Duration, waits for the deliveries to drain and
// reports the rates.
func publish(ctx context.Context, t *trial, pub *websocket.Conn, run *fanoutRun, subs int) (sample, error) {
	cpu0, cpuErr := t.srv.cpu()
	base := run.received.Load()
	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, t.opts.Duration)
	defer cancel()
	sent, err := publishLoop(pctx, pub, run)
	if err != nil {
		return nil, err
	}
	want := base + int64(sent*subs)
	deadline := time.Now().Add(drainMax)
	for run.received.Load() < want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cpu1, cpuErr2 := t.srv.cpu()

	got := run.received.Load() - base
	if got == 0 {
		return nil, fmt.Errorf("no message delivered (%d sent, %d error frames)", sent, run.errFrames.Load())
	}
	s := sample{
		"per_s":           float64(got) / elapsed.Seconds(),
		"published_per_s": float64(sent) / elapsed.Seconds(),
		"lost":            100 * (1 - float64(got)/float64(sent*subs)),
	}
	if cpuErr == nil && cpuErr2 == nil {
		s["cpu_us"] = float64((cpu1 - cpu0).Microseconds()) / float64(got)
	}
	return s, nil
}

// publishLoop sends publish frames until ctx ends, never more than
// publishWindow ahead of the publisher's own copies, and returns how
// many it sent.
func publishLoop(ctx context.Context, pub *websocket.Conn, run *fanoutRun) (int, error) {
	sent := 0
	for i := 0; i < maxAttemptsPerLoop; i++ {
		if i >= publishWindow {
			select {
			case <-ctx.Done():
				return sent, nil
			case <-run.echoes:
			}
		}
		if ctx.Err() != nil {
			return sent, nil
		}
		msg := `{"handler":"publish","data":{"n":` + strconv.Itoa(i) + `}}`
		if err := pub.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			if expired(ctx) {
				return sent, nil
			}
			return sent, fmt.Errorf("publish: %w", err)
		}
		sent++
	}
	return sent, nil
}

// awaitJoined publishes probe messages until every subscriber has
// received one, since a server may add a connection to its channel a
// moment after the handshake completes.
func awaitJoined(ctx context.Context, pub *websocket.Conn, run *fanoutRun, subs int) error {
	deadline := time.Now().Add(joinMax)
	for time.Now().Before(deadline) {
		before := run.received.Load()
		probe := []byte(`{"handler":"publish","data":"probe"}`)
		if err := pub.Write(ctx, websocket.MessageText, probe); err != nil {
			return fmt.Errorf("publish probe: %w", err)
		}
		<-run.echoes
		time.Sleep(50 * time.Millisecond)
		if run.received.Load()-before >= int64(subs) {
			return nil
		}
	}
	return fmt.Errorf("subscribers not all in the channel after %v", joinMax)
}

// subscribe opens n subscribers, each counting what it receives.
func subscribe(ctx context.Context, url string, n int, run *fanoutRun) ([]*websocket.Conn, error) {
	conns := make([]*websocket.Conn, 0, n)
	for range n {
		dctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
		c, _, err := websocket.Dial(dctx, url, nil)
		cancel()
		if err != nil {
			return conns, fmt.Errorf("connect subscriber: %w", err)
		}
		conns = append(conns, c)
		go countMessages(c, run)
	}
	return conns, nil
}

// countMessages reads c until it closes, counting messages.
func countMessages(c *websocket.Conn, run *fanoutRun) {
	for {
		_, r, err := c.Reader(context.Background())
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return
		}
		run.received.Add(1)
	}
}

// readEchoes reads the publisher's own copies, one echo token each;
// error frames count too, or a refused message would stall the window.
func readEchoes(c *websocket.Conn, run *fanoutRun) {
	for {
		_, msg, err := c.Read(context.Background())
		if err != nil {
			return
		}
		if bytes.HasPrefix(msg, []byte(`{"type":"error"`)) {
			run.errFrames.Add(1)
		}
		select {
		case run.echoes <- struct{}{}:
		default: // cannot fill: the window is far smaller than the buffer
		}
	}
}
