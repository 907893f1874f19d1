package limiter

import (
	"testing"
	"time"
)

func TestMessageLimiter(t *testing.T) {
	p := NewMessagePool(10, 3)
	m := p.Get(t0)
	for i := range 3 {
		if !m.Allow(t0) {
			t.Fatalf("message %d of the burst: got refused, want allowed", i)
		}
	}
	if m.Allow(t0) {
		t.Fatalf("message after the burst: got allowed, want refused")
	}
	if !m.Allow(t0.Add(100 * time.Millisecond)) {
		t.Fatalf("message after one refill interval: got refused, want allowed")
	}

	// A limiter back from the pool starts with a full bucket again, even
	// at a time before its previous use.
	p.Put(m)
	for _, at := range []time.Time{t0.Add(150 * time.Millisecond), t0.Add(-time.Hour)} {
		m = p.Get(at)
		for i := range 3 {
			if !m.Allow(at) {
				t.Fatalf("reused limiter at %v, message %d: got refused, want allowed", at, i)
			}
		}
		if m.Allow(at) {
			t.Fatalf("reused limiter at %v after the burst: got allowed, want refused", at)
		}
		p.Put(m)
	}
}

func TestMessagePoolNoRefill(t *testing.T) {
	p := NewMessagePool(0, 2)
	for range 2 {
		m := p.Get(t0)
		if !m.Allow(t0) || !m.Allow(t0.Add(time.Hour)) || m.Allow(t0.Add(24*time.Hour)) {
			t.Fatalf("rate 0, burst 2: want exactly two messages ever")
		}
		p.Put(m)
	}
}

func TestMessageAllocs(t *testing.T) {
	p := NewMessagePool(1000, 10)
	p.Put(p.Get(t0))
	now := t0
	allocs := testing.AllocsPerRun(1000, func() {
		now = now.Add(time.Millisecond)
		m := p.Get(now)
		m.Allow(now)
		p.Put(m)
	})
	// sync.Pool may drop items at a GC; a rare refill is fine, a steady
	// allocation is not.
	if allocs > 0.1 {
		t.Fatalf("allocations per Get/Allow/Put: got %v, want 0", allocs)
	}
}
