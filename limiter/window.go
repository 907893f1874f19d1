package limiter

import (
	"encoding/binary"
	"math/bits"
	"time"
)

// Window is one scope of exact sliding-window limits: for every key, the
// last Max attempt times, in a bounded number of keys (least recently used
// evicted first). Build it with NewWindow; it is safe for concurrent use.
type Window struct {
	policy    Policy
	clock     clock
	max       int
	ringBytes int
	shards    []shard
}

// shardCount returns how many locks a Window of maxKeys keys is split
// into: 48 to 96 from 36,864 keys up, one per 768 keys below that, and a
// single lock under 1,536 keys (so that a small MaxKeys is one exact LRU
// over the whole window). Two
// cores behind one lock already cost 2-3x at a million random keys
// (NOTES.md: 1 µs behind one mutex, 0.37 µs behind 64 shards); a few dozen
// locks keep cores from meeting on one while each costs only a mutex and
// a map header.
//
// Within that range the count is picked for memory: each shard then holds
// 768·2^k keys when full, three quarters of what its map's tables hold
// before they split (Go's maps split a 1024-slot table at 896 entries).
// A power of two would leave a full default window (a million keys) just
// past a split, at half load: measured 201 bytes a key at 64 shards, 180 at
// the 81 this rule gives.
func shardCount(maxKeys int) int {
	perShard := 768
	for maxKeys/perShard > 96 {
		perShard *= 2
	}
	return max(1, maxKeys/perShard)
}

// NewWindow returns an empty Window for p. It panics if p is invalid
// (Policy.Validate tells beforehand). opts may be nil.
func NewWindow(p Policy, opts *Options) *Window {
	if err := p.Validate(); err != nil {
		panic("limiter: " + err.Error())
	}
	maxKeys := opts.maxKeys()
	n := shardCount(maxKeys)

	w := &Window{
		policy:    p,
		clock:     newClock(p.Window),
		max:       p.Max,
		ringBytes: p.Max * entryBytes,
		shards:    make([]shard, n),
	}
	for i := range w.shards {
		// Spread MaxKeys exactly: the first maxKeys%n shards take one more.
		capacity := maxKeys / n
		if i < maxKeys%n {
			capacity++
		}
		w.shards[i].setup(capacity)
	}
	return w
}

// Policy returns the policy w enforces.
func (w *Window) Policy() Policy { return w.policy }

// Resolution returns the tick that w's times are truncated to: one
// millisecond for windows up to about 70 minutes, coarser beyond.
func (w *Window) Resolution() time.Duration { return w.clock.resolution() }

// shard picks k's shard by mixing all 16 bytes, since IP keys are mostly
// zeros and their low bits are chosen by whoever picks addresses.
func (w *Window) shard(k Key) *shard {
	lo := binary.LittleEndian.Uint64(k[:8])
	hi := binary.LittleEndian.Uint64(k[8:])
	x := (lo ^ bits.RotateLeft64(hi, 31)) * 0x9e3779b97f4a7c15
	// The top 32 bits, scaled to the shard count (no modulo needed).
	return &w.shards[(x>>32)*uint64(len(w.shards))>>32]
}

// Attempt records an attempt of k at now, accepted or not, and returns the
// decision: rejected exactly when k already holds Max attempts in the
// window ending at now. A reading earlier than k's latest attempt (a clock
// going backwards) counts as that latest time, so the ring stays ordered
// and no attempt leaves the window early.
func (w *Window) Attempt(k Key, now time.Time) (d Decision) {
	w.attempt(k, w.clock.read(now)).fill(&d, ScopeIP)
	return d
}

// attempt is Attempt with the clock already read.
func (w *Window) attempt(k Key, rd reading) verdict {
	s := w.shard(k)
	s.mu.Lock()
	t := s.encodeLocked(w, rd.tick)
	r := s.ringLocked(w, k, true)
	v, t := w.decideLocked(s, r, t, rd)
	r.push(t)
	if !v.allowed {
		// After the push the ring's oldest is what must leave the window
		// for the key to hold fewer than Max, the rejected attempt counted.
		v.retry = w.retryAfterLocked(s, r.at(0), rd)
	}
	s.mu.Unlock()
	return v
}

// Peek returns the decision an attempt of k at now would get, recording
// nothing and leaving k's recency in the LRU alone. Its RetryAfter is
// until an attempt would be admitted if none is made meanwhile.
func (w *Window) Peek(k Key, now time.Time) Decision {
	return w.peek(k, now).decision(ScopeIP)
}

func (w *Window) peek(k Key, now time.Time) verdict {
	s := w.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()

	slot, ok := s.lru.Peek(k)
	if !ok {
		return verdict{allowed: true, count: 1}
	}
	rd := w.clock.read(now)
	r := s.slotLocked(w, slot)
	t := s.encodeLocked(w, rd.tick)
	v, _ := w.decideLocked(s, r, t, rd)
	if !v.allowed {
		v.retry = w.retryAfterLocked(s, r.at(0), rd)
	}
	return v
}

// A verdict is a Decision without its Scope. Decision has five fields,
// one more than the compiler keeps in registers, so passing it between
// the steps of an attempt went through memory: byte stores read back as
// 16-byte loads, which the CPU cannot forward (a profile showed half of
// Limiter.Attempt's own time in those copies). Verdicts become Decisions
// once, at the API.
type verdict struct {
	allowed      bool
	count        int
	retry, since time.Duration
}

// decision turns v into the Decision of scope s.
func (v verdict) decision(s Scope) (d Decision) {
	v.fill(&d, s)
	return d
}

// fill sets *d, field by field, to the Decision of v in scope s. Callers
// on the hot path fill their named result: a Decision built elsewhere is
// copied into it in 16-byte moves, which stall on the byte-sized fields
// just written.
func (v verdict) fill(d *Decision, s Scope) {
	d.Allowed, d.Scope, d.Count = v.allowed, s, v.count
	d.RetryAfter, d.SincePrevious = v.retry, v.since
}

// decideLocked judges an attempt at entry t against ring r and returns the
// verdict, retry left to the caller, and t clamped to be no earlier than
// the newest entry.
func (w *Window) decideLocked(s *shard, r ring, t int64, rd reading) (verdict, int64) {
	var v verdict
	newest := r.at(w.max - 1)
	if newest != 0 {
		v.since = max(w.clock.since(rd, s.base+newest), 0)
	}
	t = max(t, newest)

	cutoff := t - w.clock.span
	if oldest := r.at(0); oldest != 0 && oldest > cutoff {
		v.count = w.max + 1
		return v, t
	}
	v.allowed = true
	v.count = r.countAfter(cutoff) + 1
	return v, t
}

// retryAfterLocked returns the time from the reading until ring entry v
// is out of the window.
func (w *Window) retryAfterLocked(s *shard, v int64, rd reading) time.Duration {
	return w.clock.until(rd, s.base+v+w.clock.span)
}

// Record adds a past attempt of k at time at, for a warm start from the
// journal. Attempts may come in any order; Record keeps each key's last
// Max attempts, as if they had been made through Attempt.
func (w *Window) Record(k Key, at time.Time) {
	s := w.shard(k)
	s.mu.Lock()
	t := s.encodeLocked(w, w.clock.read(at).tick)
	s.ringLocked(w, k, true).insert(t)
	s.mu.Unlock()
}

// Len returns the number of keys w tracks. It takes no lock, so under
// concurrent use it is a recent value rather than an instant's.
func (w *Window) Len() int {
	n := int64(0)
	for i := range w.shards {
		n += w.shards[i].keys.Load()
	}
	return int(n)
}

// Evictions returns the number of keys evicted so far to stay within
// MaxKeys.
func (w *Window) Evictions() uint64 {
	n := uint64(0)
	for i := range w.shards {
		n += w.shards[i].evictions.Load()
	}
	return n
}
