package limiter

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// BenchmarkWindowAttemptHot is the hot path alone, without reading the
// clock: one known key, over its limit (a client hammering).
func BenchmarkWindowAttemptHot(b *testing.B) {
	w := NewWindow(Policy{Max: 20, Window: 5 * time.Minute}, nil)
	k := UserKey("ann")
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Microsecond)
		w.Attempt(k, now)
	}
}

// BenchmarkWindowAttemptAllowed is one known key under its limit, so that
// every attempt scans the ring.
func BenchmarkWindowAttemptAllowed(b *testing.B) {
	w := NewWindow(Policy{Max: 20, Window: 5 * time.Minute}, nil)
	k := UserKey("ann")
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(15 * time.Second)
		w.Attempt(k, now)
	}
}

// BenchmarkRateAllowN is the yardstick for the two above: one
// x/time/rate limiter's AllowN at an explicit time.
func BenchmarkRateAllowN(b *testing.B) {
	l := rate.NewLimiter(rate.Every(15*time.Second), 20)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Microsecond)
		l.AllowN(now, 1)
	}
}

// BenchmarkLimiterAttemptHot is Limiter.Attempt over both scopes for one
// hammering client, without reading the clock: the part of the hot-key
// check that is wsgate's own.
func BenchmarkLimiterAttemptHot(b *testing.B) {
	l := New(Policy{Max: 20, Window: 5 * time.Minute}, nil)
	ip, user := UserKey("ip"), UserKey("ann")
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Microsecond)
		l.Attempt(ip, user, true, now)
	}
}

// BenchmarkWindowAttemptRandom is one million known keys checked in
// random order (a distributed crowd), without reading the clock: bound by
// cache misses.
func BenchmarkWindowAttemptRandom(b *testing.B) {
	const n = 1_000_000
	w := NewWindow(Policy{Max: 20, Window: 5 * time.Minute}, &Options{MaxKeys: n})
	keys := make([]Key, n)
	for i := range keys {
		var a [4]byte
		binary.LittleEndian.PutUint32(a[:], uint32(i)*0x9e3779b9) // distinct
		keys[i] = AddrKey(netip.AddrFrom4(a), 64)
		w.Attempt(keys[i], t0)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	runtime.GC()
	now := t0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		// Drawn with replacement: a fixed order repeated would be LRU's
		// worst case (a cyclic scan), missing in every shard holding more
		// keys than its share of MaxKeys.
		now = now.Add(time.Microsecond)
		w.Attempt(keys[rng.IntN(n)], now)
	}
}
