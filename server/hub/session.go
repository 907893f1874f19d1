package hub

import (
	"slices"
	"time"

	"github.com/wsgate/wsgate/limiter"
)

// Limits of the read loop that SPEC section 6 states in words.
const (
	violationWindow = time.Minute     // MaxViolations counts over this
	defaultMaxViol  = 10              // Endpoint.MaxViolations when 0
	overRateClose   = 5 * time.Second // continuously over the rate: close 4429
	// overRateQuiet is how long a connection must go without a rejected
	// message for its over-the-rate streak to end. A client sending at
	// twice the rate gets every other message through but is over the
	// rate all along; a pause this long is what ends the streak.
	overRateQuiet = time.Second
)

// session is the read loop's state for one connection. Only the Serve
// goroutine touches it, except idle, a timer reset from there.
type session struct {
	cn       *conn
	limiter  *messageLimiter
	overFrom time.Time // start of the current over-the-rate streak
	overLast time.Time // last rejected message of the streak
	viol     violations
	permit   bool // the user holds the permissions the endpoint requires
	idle     *time.Timer
}

func newSession(cn *conn, now time.Time) *session {
	ep := cn.ep
	max := ep.MaxViolations
	if max <= 0 {
		max = defaultMaxViol
	}
	return &session{
		cn:      cn,
		limiter: cn.hub.newMessageLimiter(ep, now),
		viol:    violations{max: max},
		permit:  permitted(cn.meta.Perms, ep.PermsAny, ep.PermsAll),
	}
}

// startIdle starts the idle timer, if the endpoint has one.
func (s *session) startIdle() *time.Timer {
	d := s.cn.ep.IdleTimeout
	if d <= 0 {
		return nil
	}
	s.idle = time.AfterFunc(d, func() {
		s.cn.requestClose(statusTimeout, "idle timeout", closeGraceful)
	})
	return s.idle
}

// touch records a client message for the idle timeout.
func (s *session) touch() {
	if s.idle != nil {
		s.idle.Reset(s.cn.ep.IdleTimeout)
	}
}

// allow applies the message rate. It returns whether the message may be
// handled and, when not, whether the connection has been over the rate
// long enough to be closed.
func (s *session) allow(now time.Time) (ok, closeNow bool) {
	if s.limiter.allow(now) {
		return true, false
	}
	if s.overFrom.IsZero() || now.Sub(s.overLast) > overRateQuiet {
		s.overFrom = now
	}
	s.overLast = now
	return false, now.Sub(s.overFrom) >= overRateClose
}

// retryAfter is the hint sent with 4429: the time the bucket takes to
// refill, at least a second.
func (s *session) retryAfter() time.Duration {
	ep := s.cn.ep
	d := time.Second
	if ep.MessageRate > 0 {
		refill := time.Duration(float64(max(ep.MessageBurst, 1)) / ep.MessageRate * float64(time.Second))
		d = max(d, refill)
	}
	return d
}

// permitted reports whether perms satisfy both requirements: at least
// one of anyOf (when not empty) and every one of allOf.
func permitted(perms, anyOf, allOf []string) bool {
	if len(anyOf) > 0 && !slices.ContainsFunc(anyOf, func(p string) bool {
		return slices.Contains(perms, p)
	}) {
		return false
	}
	for _, p := range allOf {
		if !slices.Contains(perms, p) {
			return false
		}
	}
	return true
}

// violations is an exact record of the last max violation times.
type violations struct {
	max  int
	at   []time.Time // ring, oldest at next once full; made on first use
	next int
	n    int
}

// add records a violation at now and reports whether it is one more than
// max within the trailing window.
func (v *violations) add(now time.Time) (exceeded bool) {
	if v.at == nil {
		v.at = make([]time.Time, v.max)
	}
	if v.n == len(v.at) && now.Sub(v.at[v.next]) < violationWindow {
		exceeded = true
	}
	v.at[v.next] = now
	v.next = (v.next + 1) % len(v.at)
	v.n = min(v.n+1, len(v.at))
	return exceeded
}

// messageLimiter is a connection's token bucket; nil means unlimited.
type messageLimiter struct {
	pool   *limiter.MessagePool
	bucket *limiter.MessageLimiter
}

// newMessageLimiter takes a full bucket from the endpoint's pool.
func (h *Hub) newMessageLimiter(ep *Endpoint, now time.Time) *messageLimiter {
	if ep.MessageRate <= 0 {
		return nil
	}
	pool, ok := h.pools.Load(ep)
	if !ok {
		pool, _ = h.pools.LoadOrStore(ep, limiter.NewMessagePool(ep.MessageRate, max(ep.MessageBurst, 1)))
	}
	p := pool.(*limiter.MessagePool)
	return &messageLimiter{pool: p, bucket: p.Get(now)}
}

func (m *messageLimiter) allow(now time.Time) bool {
	return m == nil || m.bucket.Allow(now)
}

// release returns the bucket to its pool.
func (m *messageLimiter) release() {
	if m != nil {
		m.pool.Put(m.bucket)
	}
}
