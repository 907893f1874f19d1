package limiter

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// t0 is a reading on a whole millisecond, where decisions are exact to
// the nanosecond.
var t0 = time.UnixMilli(1_780_000_000_000)

func TestWindowBoundary(t *testing.T) {
	tests := []struct {
		name    string
		at      time.Duration // after the first attempt
		allowed bool
	}{
		{"inside by one nanosecond", time.Minute - time.Nanosecond, false},
		{"exactly at t-window", time.Minute, true},
		{"one millisecond inside", time.Minute - time.Millisecond, false},
		{"at once", 0, false},
		{"long after", time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWindow(Policy{Max: 1, Window: time.Minute}, nil)
			k := UserKey("ann")
			if d := w.Attempt(k, t0); !d.Allowed {
				t.Fatalf("first attempt: got rejected, want allowed")
			}
			d := w.Attempt(k, t0.Add(tt.at))
			if d.Allowed != tt.allowed {
				t.Fatalf("attempt at +%v: got allowed %v, want %v", tt.at, d.Allowed, tt.allowed)
			}
		})
	}
}

func TestWindowRetryAfter(t *testing.T) {
	w := NewWindow(Policy{Max: 3, Window: time.Minute}, nil)
	k := UserKey("bob")
	for i := range 3 {
		if d := w.Attempt(k, t0.Add(time.Duration(i)*time.Second)); !d.Allowed || d.Count != i+1 {
			t.Fatalf("attempt %d: got %+v, want allowed with count %d", i, d, i+1)
		}
	}

	// Rejected at +10s: the ring then holds +1s, +2s, +10s, so the key
	// holds fewer than 3 once +1s leaves the window, at +61s.
	d := w.Attempt(k, t0.Add(10*time.Second))
	if d.Allowed || d.Count != 4 || d.RetryAfter != 51*time.Second {
		t.Fatalf("fourth attempt: got %+v, want rejected, count 4, retry after 51s", d)
	}
	if d.SincePrevious != 8*time.Second {
		t.Fatalf("since previous: got %v, want 8s", d.SincePrevious)
	}
	// Waiting exactly RetryAfter and trying once is admitted.
	at := t0.Add(10*time.Second + d.RetryAfter)
	if d := w.Attempt(k, at); !d.Allowed || d.Count != 3 {
		t.Fatalf("attempt after retry-after: got %+v, want allowed with count 3", d)
	}
}

func TestWindowClockBackwards(t *testing.T) {
	w := NewWindow(Policy{Max: 2, Window: 10 * time.Second}, nil)
	k := UserKey("cat")
	w.Attempt(k, t0)
	w.Attempt(k, t0.Add(5*time.Second))

	// Readings before the newest attempt count as at +5s: still two
	// attempts in the window, however far back the clock goes.
	for _, back := range []time.Duration{time.Second, 10 * time.Second, time.Hour, 24 * time.Hour * 365} {
		d := w.Attempt(k, t0.Add(5*time.Second-back))
		if d.Allowed {
			t.Fatalf("attempt %v before the newest: got allowed, want rejected", back)
		}
		if d.SincePrevious != 0 {
			t.Fatalf("since previous after the clock went back: got %v, want 0", d.SincePrevious)
		}
		// The attempt must be admitted once the clock is back where
		// RetryAfter points, measured from the reading given.
		if d.RetryAfter <= back-5*time.Second {
			t.Fatalf("retry after %v back: got %v, want past +5s", back, d.RetryAfter)
		}
	}

	// All rejected attempts were recorded at +5s, so +15s admits one.
	if d := w.Attempt(k, t0.Add(15*time.Second)); !d.Allowed {
		t.Fatalf("attempt at +15s: got %+v, want allowed", d)
	}
}

func TestWindowPeekRecordsNothing(t *testing.T) {
	w := NewWindow(Policy{Max: 2, Window: time.Minute}, nil)
	k := UserKey("dan")
	if d := w.Peek(k, t0); !d.Allowed || d.Count != 1 {
		t.Fatalf("peek at an unknown key: got %+v, want allowed with count 1", d)
	}
	if w.Len() != 0 {
		t.Fatalf("keys after a peek: got %d, want 0", w.Len())
	}
	w.Attempt(k, t0)
	w.Attempt(k, t0.Add(time.Second))
	for range 3 {
		d := w.Peek(k, t0.Add(2*time.Second))
		if d.Allowed || d.RetryAfter != 58*time.Second {
			t.Fatalf("peek over the limit: got %+v, want rejected, retry after 58s", d)
		}
	}
	if d := w.Attempt(k, t0.Add(time.Minute)); !d.Allowed || d.Count != 2 {
		t.Fatalf("attempt after the peeked wait: got %+v, want allowed with count 2", d)
	}
}

func TestWindowWarmStart(t *testing.T) {
	p := Policy{Max: 5, Window: time.Minute}
	w := NewWindow(p, nil)
	m := newModel(p)
	k := UserKey("eve")

	// The journal's attempts, fed in a scrambled order, more than Max.
	offsets := []time.Duration{40, 5, 55, 20, 59, 1, 30, 58}
	for _, o := range offsets {
		at := t0.Add(o * time.Second)
		w.Record(k, at)
		m.record(k, at)
	}
	for i := range 10 {
		now := t0.Add(60*time.Second + time.Duration(i)*7*time.Second)
		got, want := w.Attempt(k, now), m.decide(k, now, true)
		if got != want {
			t.Fatalf("attempt %d after the warm start: got %+v, want %+v", i, got, want)
		}
	}
}

func TestWindowEviction(t *testing.T) {
	w := NewWindow(Policy{Max: 1, Window: time.Hour}, &Options{MaxKeys: 3})
	keys := []Key{UserKey("a"), UserKey("b"), UserKey("c"), UserKey("d")}
	for _, k := range keys[:3] {
		w.Attempt(k, t0)
	}
	w.Attempt(keys[0], t0) // a is now the most recently used; b the least

	w.Attempt(keys[3], t0) // evicts b
	if got := w.Len(); got != 3 {
		t.Fatalf("keys: got %d, want 3", got)
	}
	if got := w.Evictions(); got != 1 {
		t.Fatalf("evictions: got %d, want 1", got)
	}
	tests := []struct {
		key     Key
		allowed bool
	}{
		{keys[0], false}, // still tracked
		{keys[2], false},
		{keys[1], true}, // forgotten by the eviction, starts over (evicting d)
	}
	for i, tt := range tests {
		if d := w.Attempt(tt.key, t0.Add(time.Second)); d.Allowed != tt.allowed {
			t.Fatalf("key %d: got allowed %v, want %v", i, d.Allowed, tt.allowed)
		}
	}
	if got := w.Evictions(); got != 2 {
		t.Fatalf("evictions: got %d, want 2", got)
	}
}

func TestWindowManyKeysStayBounded(t *testing.T) {
	w := NewWindow(Policy{Max: 3, Window: time.Minute}, &Options{MaxKeys: 5000})
	for i := range 20_000 {
		w.Attempt(AddrKey(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 0), t0)
	}
	if got := w.Len(); got != 5000 {
		t.Fatalf("keys: got %d, want 5000", got)
	}
	if got := w.Evictions(); got != 15_000 {
		t.Fatalf("evictions: got %d, want 15000", got)
	}
}

func TestWindowConcurrent(t *testing.T) {
	const goroutines, perG = 8, 500
	p := Policy{Max: 100, Window: time.Hour}
	w := NewWindow(p, &Options{MaxKeys: 1 << 12})
	hot := UserKey("hot")
	var wg sync.WaitGroup
	var allowed atomic.Int64
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				now := t0.Add(time.Duration(i) * time.Millisecond)
				if w.Attempt(hot, now).Allowed {
					allowed.Add(1)
				}
				w.Attempt(UserKey(fmt.Sprint(g, i%50)), now)
				w.Peek(hot, now)
				_, _ = w.Len(), w.Evictions()
			}
		})
	}
	wg.Wait()
	// Within the hour exactly Max attempts of the hot key get in, however
	// the goroutines interleave.
	if got := allowed.Load(); got != int64(p.Max) {
		t.Fatalf("hot key admitted: got %d, want %d", got, p.Max)
	}
	if got := w.Len(); got != 1+goroutines*50 {
		t.Fatalf("keys: got %d, want %d", got, 1+goroutines*50)
	}
}

func TestWindowHitPathAllocs(t *testing.T) {
	w := NewWindow(Policy{Max: 20, Window: 5 * time.Minute}, nil)
	k := UserKey("fay")
	now := t0
	w.Attempt(k, now)
	allocs := testing.AllocsPerRun(1000, func() {
		now = now.Add(time.Second)
		w.Attempt(k, now)
		w.Peek(k, now)
	})
	if allocs != 0 {
		t.Fatalf("allocations per attempt on a known key: got %v, want 0", allocs)
	}
}

func TestNewWindowPanicsOnBadPolicy(t *testing.T) {
	for _, p := range []Policy{{}, {Max: 1}, {Max: 0, Window: time.Second}, {Max: 1, Window: time.Microsecond}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewWindow(%+v): got no panic, want one", p)
				}
			}()
			NewWindow(p, nil)
		}()
	}
}

func TestWindowResolution(t *testing.T) {
	tests := []struct {
		window time.Duration
		want   time.Duration
	}{
		{time.Second, time.Millisecond},
		{time.Hour, time.Millisecond},
		{3 * time.Hour, 3 * time.Millisecond},
		{24 * time.Hour, 21 * time.Millisecond},
	}
	for _, tt := range tests {
		w := NewWindow(Policy{Max: 1, Window: tt.window}, &Options{MaxKeys: 1})
		if got := w.Resolution(); got != tt.want {
			t.Errorf("resolution of a %v window: got %v, want %v", tt.window, got, tt.want)
		}
	}
}

func TestShardCount(t *testing.T) {
	tests := []struct{ maxKeys, want int }{
		{1, 1}, {767, 1}, {5000, 6}, {73_728, 96}, {100_000, 65}, {1_000_000, 81}, {10_000_000, 50},
	}
	for _, tt := range tests {
		if got := shardCount(tt.maxKeys); got != tt.want {
			t.Errorf("shardCount(%d): got %d, want %d", tt.maxKeys, got, tt.want)
		}
	}
}
