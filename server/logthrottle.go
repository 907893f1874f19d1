package server

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// logThrottle decides, per key, which of a stream of events is written to
// the log: the first event of an episode, then at most one summary per
// interval carrying the number of events it stands for. An episode ends
// when the key has been quiet for the quiet period. The keys it remembers
// are bounded: beyond maxKeys per shard the least recently seen is
// forgotten, its pending count handed back for a last summary.
//
// A logThrottle is safe for concurrent use. It never logs itself: note and
// sweep return what to write, so the caller logs with no lock held.
type logThrottle[K comparable, V any] struct {
	interval time.Duration
	quiet    time.Duration
	seed     maphash.Seed
	shards   [throttleShards]throttleShard[K, V]
}

// throttleShards spreads keys over independent locks so that a storm from
// many keys at once does not serialize on one mutex.
const throttleShards = 16

type throttleShard[K comparable, V any] struct {
	// mu guards entries and evicted.
	mu      sync.Mutex
	entries *simplelru.LRU[K, *throttleEntry[V]]
	evicted []throttleLine[V] // filled by the eviction callback, drained by the caller
}

// throttleEntry is one key's episode.
type throttleEntry[V any] struct {
	last       time.Time // the latest event
	lastLine   time.Time // the latest line written
	suppressed int       // events since lastLine that no line has counted
	event      V         // the latest event, for the summary's fields
}

// throttleLine is a line to write: the first of an episode (suppressed 0)
// or a summary of suppressed events over period.
type throttleLine[V any] struct {
	event      V
	first      bool
	suppressed int
	period     time.Duration
}

func newLogThrottle[K comparable, V any](interval, quiet time.Duration,
	maxKeys int) *logThrottle[K, V] {
	t := &logThrottle[K, V]{interval: interval, quiet: quiet, seed: maphash.MakeSeed()}
	perShard := max(maxKeys/throttleShards, 1)
	for i := range t.shards {
		s := &t.shards[i]
		// NewLRU fails only for a size below one, which perShard is not.
		s.entries, _ = simplelru.NewLRU(perShard, func(_ K, e *throttleEntry[V]) {
			if e.suppressed > 0 {
				s.evicted = append(s.evicted, summaryLine(e, e.last))
			}
		})
	}
	return t
}

// note records one event of key at now and appends the lines to write to
// lines, which it returns. In a storm from one key it appends nothing and
// does not allocate.
func (t *logThrottle[K, V]) note(now time.Time, key K, ev V,
	lines []throttleLine[V]) []throttleLine[V] {
	s := &t.shards[maphash.Comparable(t.seed, key)%throttleShards]
	s.mu.Lock()
	defer s.mu.Unlock()

	e, ok := s.entries.Get(key)
	if ok && now.Sub(e.last) < t.quiet {
		e.suppressed++
		e.last, e.event = now, ev
		if now.Sub(e.lastLine) >= t.interval {
			lines = append(lines, summaryLine(e, now))
			e.suppressed, e.lastLine = 0, now
		}
		return lines
	}

	// A new episode: a quiet key that left a count behind gets its last
	// summary first.
	if ok && e.suppressed > 0 {
		lines = append(lines, summaryLine(e, e.last))
	}
	if !ok {
		e = new(throttleEntry[V])
		s.entries.Add(key, e)
		lines = append(lines, s.evicted...)
		s.evicted = s.evicted[:0]
	}
	*e = throttleEntry[V]{last: now, lastLine: now, event: ev}
	return append(lines, throttleLine[V]{event: ev, first: true})
}

// sweep returns the summaries that are due at now for keys that went
// quiet before their next event could write one, and forgets keys that
// have been quiet for the quiet period.
func (t *logThrottle[K, V]) sweep(now time.Time) []throttleLine[V] {
	var lines []throttleLine[V]
	for i := range t.shards {
		lines = t.shards[i].sweepLocked(now, t.interval, t.quiet, lines)
	}
	return lines
}

func (s *throttleShard[K, V]) sweepLocked(now time.Time, interval, quiet time.Duration,
	lines []throttleLine[V]) []throttleLine[V] {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.entries.Keys() {
		e, _ := s.entries.Peek(k)
		if e.suppressed > 0 && now.Sub(e.lastLine) >= interval {
			lines = append(lines, summaryLine(e, now))
			e.suppressed, e.lastLine = 0, now
		}
		if e.suppressed == 0 && now.Sub(e.last) >= quiet {
			s.entries.Remove(k)
		}
	}
	return lines
}

// len returns the number of keys remembered.
func (t *logThrottle[K, V]) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += s.entries.Len()
		s.mu.Unlock()
	}
	return n
}

func summaryLine[V any](e *throttleEntry[V], now time.Time) throttleLine[V] {
	return throttleLine[V]{event: e.event, suppressed: e.suppressed,
		period: now.Sub(e.lastLine)}
}
