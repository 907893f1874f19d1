package limiter

import (
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
