package limiter

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MessagePool hands out per-connection message limiters (token buckets of
// one rate and burst) and takes them back for reuse, so a connection costs
// no limiter allocation in the steady state. Build it with NewMessagePool;
// it is safe for concurrent use.
type MessagePool struct {
	limit rate.Limit
	burst int
	pool  sync.Pool
}

// NewMessagePool returns a pool of limiters allowing perSecond messages a
// second with bursts of burst. A perSecond of zero or less allows only the
// first burst messages of each connection; rate.Inf allows everything.
func NewMessagePool(perSecond float64, burst int) *MessagePool {
	p := &MessagePool{limit: rate.Limit(perSecond), burst: burst}
	p.pool.New = func() any {
		return &MessageLimiter{lim: rate.NewLimiter(p.limit, p.burst)}
	}
	return p
}

// Get returns a limiter with a full bucket at now.
func (p *MessagePool) Get(now time.Time) *MessageLimiter {
	m := p.pool.Get().(*MessageLimiter)
	if p.limit <= 0 {
		// Without a refill rate, no past instant fills the bucket.
		m.lim = rate.NewLimiter(p.limit, p.burst)
		return m
	}
	// Restarting the bucket's clock at the zero time makes the next
	// Allow see an eternity of refill, capped at the burst: a full bucket.
	m.lim.SetLimitAt(time.Time{}, p.limit)
	return m
}

// Put returns m to the pool; m must not be used afterwards.
func (p *MessagePool) Put(m *MessageLimiter) {
	if m != nil {
		p.pool.Put(m)
	}
}

// MessageLimiter is one connection's message budget, from
// MessagePool.Get. It is safe for concurrent use.
type MessageLimiter struct {
	lim *rate.Limiter
}

// Allow reports whether one message at now fits the budget, and spends a
// token if so.
func (m *MessageLimiter) Allow(now time.Time) bool {
	return m.lim.AllowN(now, 1)
}
