package limiter

import (
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// A shard is one lock's worth of keys: a golang-lru simplelru mapping each
// key to a slot, and the rings stored by slot in chunks of plain bytes.
// Rings live outside the LRU's entries so that a tracked key costs one
// LRU entry (80 bytes) plus its ring (3 bytes an attempt), not a further
// allocation with its own header, and so the garbage collector never scans
// them (they hold no pointers).
type shard struct {
	// mu guards every field below it up to the atomics. The fields a
	// hammering key's attempt reads (base, init, last, lastRing) come
	// first, so that with mu they fill one cache line.
	mu   sync.Mutex
	base int64 // the tick that ring entry 0 would mean
	init bool  // base has been set from the first time seen

	// last is the key most recently touched through ringLocked, and
	// lastRing its ring (nil until a key is touched). The LRU moves every
	// key it returns or adds to its front, so last is always at the
	// front: a client hammering its key finds its ring with one
	// comparison instead of a map lookup, and skipping the LRU update
	// changes no order. Rings never move (chunks are allocated once and
	// only appended to), so the slice stays valid.
	last     Key
	lastRing ring

	lru    *simplelru.LRU[Key, uint32]
	chunks [][]byte // ring storage: chunkRings rings each
	free   []uint32 // slots of evicted keys, reused first
	next   uint32   // slots handed out so far

	keys      atomic.Int64  // lru.Len(), readable without mu
	evictions atomic.Uint64 // keys evicted to make room

	_ [64]byte // keep neighbouring shards' locks off this cache line
}

// chunkRings is the number of rings allocated together: large enough that
// chunk headers cost nothing per key, small enough that the unused part of
// each shard's last chunk stays a few kilobytes.
const chunkRings = 256

// setup makes the shard ready for capacity keys, before any use.
func (s *shard) setup(capacity int) {
	// The error is for a capacity below one, which newWindow rules out.
	s.lru, _ = simplelru.NewLRU(capacity, s.onEvictLocked)
}

// onEvictLocked runs inside lru.Add with mu held.
func (s *shard) onEvictLocked(_ Key, slot uint32) {
	s.free = append(s.free, slot)
	s.evictions.Add(1)
}

// ringLocked returns k's ring, creating an empty one if k is new and
// create is set; nil if k is unknown and create is not set. A hit costs
// one map lookup, none for the shard's last key (inlined here).
func (s *shard) ringLocked(w *Window, k Key, create bool) ring {
	if s.lastRing != nil && k == s.last {
		return s.lastRing
	}
	return s.lookupLocked(w, k, create)
}

// lookupLocked is ringLocked for a key other than the last one.
func (s *shard) lookupLocked(w *Window, k Key, create bool) ring {
	if slot, ok := s.lru.Get(k); ok {
		r := s.slotLocked(w, slot)
		s.last, s.lastRing = k, r
		return r
	}
	if !create {
		return nil
	}

	var slot uint32
	if n := len(s.free); n > 0 {
		slot = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		slot = s.next
		s.next++
		if int(slot/chunkRings) == len(s.chunks) {
			s.chunks = append(s.chunks, make([]byte, chunkRings*w.ringBytes))
		}
	}
	r := s.slotLocked(w, slot)
	clear(r)

	s.lru.Add(k, slot) // may evict, putting another slot on the free list
	s.keys.Store(int64(s.lru.Len()))
	s.last, s.lastRing = k, r
	return r
}

func (s *shard) slotLocked(w *Window, slot uint32) ring {
	off := int(slot%chunkRings) * w.ringBytes
	return ring(s.chunks[slot/chunkRings][off : off+w.ringBytes : off+w.ringBytes])
}

// encodeLocked turns tick t into a ring entry: t-base, clamped to at least
// 1 (a reading from before the base, which only a clock running hours
// backwards produces, counts as the earliest representable time). The
// base starts, and moves, to halfTick before the latest tick, so that the
// last 2^23 ticks (2.3 hours at millisecond ticks) stay exact: the window
// (at most 2^22 ticks), clocks stepping back, and replayed history.
func (s *shard) encodeLocked(w *Window, t int64) int64 {
	if !s.init || t-s.base > maxTick {
		s.moveBaseLocked(w, t)
	}
	return max(t-s.base, 1)
}

// moveBaseLocked sets the base from the first tick seen, or moves it
// forward when tick t no longer fits a ring entry; out of encodeLocked so
// that the common case inlines (hence noinline: inlined here, it would
// make encodeLocked too large to inline).
//
//go:noinline
func (s *shard) moveBaseLocked(w *Window, t int64) {
	if !s.init {
		s.base, s.init = t-halfTick, true
		return
	}
	s.rebaseLocked(w, t-halfTick)
}

// halfTick is the distance kept between the base and the latest tick.
const halfTick = 1 << (8*entryBytes - 1)

// rebaseLocked moves the base forward to newBase, forgetting entries older
// than it. It runs at most once every 2^23 ticks (2.3 hours at millisecond
// ticks) per shard, or after the clock jumps forward, and touches every
// ring of the shard once (about a millisecond at 16,000 keys).
func (s *shard) rebaseLocked(w *Window, newBase int64) {
	delta := newBase - s.base
	for slot := range s.next {
		s.slotLocked(w, slot).rebase(delta)
	}
	s.base = newBase
}
