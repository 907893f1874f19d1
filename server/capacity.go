package server

import (
	"sync"
	"sync/atomic"

	"github.com/wsgate/wsgate/limiter"
)

// capacity counts open connections, in total and per IP key, and hands out
// slots: a handshake reserves one at step 4 and releases it when it is
// refused later or when its connection ends, so the caps are exact even
// under concurrent handshakes. Safe for concurrent use.
type capacity struct {
	max, perIP int64
	total      atomic.Int64

	// mu guards perKey. One mutex suffices: it is held for one map
	// operation, far below the cost of the handshake around it.
	mu     sync.Mutex
	perKey map[limiter.Key]int64
}

func newCapacity(max, perIP int) *capacity {
	return &capacity{max: int64(max), perIP: int64(perIP), perKey: make(map[limiter.Key]int64)}
}

// reserve takes a slot for key, reporting false when the server or the
// key is full.
func (c *capacity) reserve(key limiter.Key) bool {
	if c.total.Add(1) > c.max {
		c.total.Add(-1)
		return false
	}
	c.mu.Lock()
	n := c.perKey[key]
	if n >= c.perIP {
		c.mu.Unlock()
		c.total.Add(-1)
		return false
	}
	c.perKey[key] = n + 1
	c.mu.Unlock()
	return true
}

// release returns a slot taken by reserve.
func (c *capacity) release(key limiter.Key) {
	c.mu.Lock()
	if n := c.perKey[key] - 1; n > 0 {
		c.perKey[key] = n
	} else {
		delete(c.perKey, key)
	}
	c.mu.Unlock()
	c.total.Add(-1)
}

// open returns the number of slots taken.
func (c *capacity) open() int64 { return c.total.Load() }
