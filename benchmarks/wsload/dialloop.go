package main

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxAttemptsPerLoop bounds one client loop by count as well as by time.
const maxAttemptsPerLoop = 2_000_000

// outcomes counts the answers of a set of handshake loops.
type outcomes struct {
	byStatus map[int]int64
	errors   int64
	firstErr error // the first transport error seen, for the report
}

// add merges o2 into o.
func (o *outcomes) add(o2 outcomes) {
	if o.byStatus == nil {
		o.byStatus = map[int]int64{}
	}
	for k, v := range o2.byStatus {
		o.byStatus[k] += v
	}
	o.errors += o2.errors
	if o.firstErr == nil {
		o.firstErr = o2.firstErr
	}
}

// total is every attempt, answered or not.
func (o *outcomes) total() int64 {
	n := o.errors
	for _, v := range o.byStatus {
		n += v
	}
	return n
}

// String lists the counts, e.g. "101: 1200, 429: 3, errors: 1 (dial: ...)".
func (o *outcomes) String() string {
	codes := make([]int, 0, len(o.byStatus))
	for k := range o.byStatus {
		codes = append(codes, k)
	}
	sort.Ints(codes)
	parts := make([]string, 0, len(codes)+1)
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d: %d", c, o.byStatus[c]))
	}
	if o.errors > 0 {
		parts = append(parts, fmt.Sprintf("errors: %d (%v)", o.errors, o.firstErr))
	}
	if len(parts) == 0 {
		return "no attempts"
	}
	return strings.Join(parts, ", ")
}

// dialLoops runs n loops, each sending handshakes back to back to addr
// until d has passed (or ctx ends, or maxAttemptsPerLoop), and counts
// the answers. req builds loop i's next request.
func dialLoops(ctx context.Context, addr string, n int, d time.Duration,
	req func(loop, i int) *handshakeRequest) outcomes {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex // guards all
		all outcomes
	)
	for loop := range n {
		wg.Go(func() {
			o := dialLoop(ctx, addr, func(i int) *handshakeRequest { return req(loop, i) })
			mu.Lock()
			all.add(o)
			mu.Unlock()
		})
	}
	wg.Wait()
	all.add(outcomes{}) // a non-nil map even when nothing happened
	return all
}

// expired reports whether ctx has ended or reached its deadline. A
// connection deadline set from ctx's can fire a moment before ctx's own
// timer, so ctx.Err alone would count such an attempt as failed.
func expired(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// dialLoop is one loop of dialLoops. An attempt cut short by the end of
// ctx is not counted: it measured the deadline, not the server.
func dialLoop(ctx context.Context, addr string, req func(i int) *handshakeRequest) outcomes {
	o := outcomes{byStatus: map[int]int64{}}
	var d net.Dialer
	for i := 0; i < maxAttemptsPerLoop && ctx.Err() == nil; i++ {
		res, err := handshake(ctx, &d, addr, req(i))
		switch {
		case expired(ctx):
		case err != nil:
			o.errors++
			if o.firstErr == nil {
				o.firstErr = err
			}
		default:
			o.byStatus[res.Status]++
		}
	}
	return o
}
