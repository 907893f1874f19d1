package main

import (
	"math"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		p    float64
		want float64
	}{
		{"empty", nil, 50, math.NaN()},
		{"one", []float64{7}, 99, 7},
		{"odd median", []float64{3, 1, 2}, 50, 2},
		{"even median", []float64{4, 1, 3, 2}, 50, 2.5},
		{"min", []float64{5, 9, 1}, 0, 1},
		{"max", []float64{5, 9, 1}, 100, 9},
		{"p99 interpolates", []float64{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, 99, 99},
		{"p90 of 1..10", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9.1},
		{"clamps above 100", []float64{1, 2}, 150, 2},
		{"clamps below 0", []float64{1, 2}, -5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := percentile(tt.xs, tt.p)
			if !sameFloat(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPercentileDoesNotReorder(t *testing.T) {
	xs := []float64{3, 1, 2}
	median(xs)
	if xs[0] != 3 || xs[1] != 1 || xs[2] != 2 {
		t.Errorf("got %v, want the input order kept", xs)
	}
}

// TestPercentileMatchesSortedRank checks percentile against the plain
// definition on many inputs: at ranks that fall exactly on an element,
// it is that element of the sorted slice.
func TestPercentileMatchesSortedRank(t *testing.T) {
	for n := 1; n <= 40; n++ {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = float64((i * 7919) % 101) // a fixed shuffle
		}
		sorted := append([]float64(nil), xs...)
		for i := range sorted {
			for j := i + 1; j < len(sorted); j++ {
				if sorted[j] < sorted[i] {
					sorted[i], sorted[j] = sorted[j], sorted[i]
				}
			}
		}
		for k := 0; k < n; k++ {
			p := 100 * float64(k) / math.Max(1, float64(n-1))
			if got := percentile(xs, p); math.Abs(got-sorted[k]) > 1e-9 {
				t.Fatalf("n=%d k=%d: got %v, want %v", n, k, got, sorted[k])
			}
		}
	}
}

func TestLatencies(t *testing.T) {
	var a, b latencies
	a.observe(2 * time.Millisecond)
	b.observe(4 * time.Millisecond)
	b.observe(1500 * time.Microsecond)
	a.add(&b)
	if got := a.count(); got != 3 {
		t.Fatalf("count: got %d, want 3", got)
	}
	if got := a.quantileMs(50); got != 2 {
		t.Errorf("p50: got %v ms, want 2 ms", got)
	}
	if got := a.quantileMs(0); got != 1.5 {
		t.Errorf("p0: got %v ms, want 1.5 ms", got)
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		a, b, want float64
	}{
		{3, 2, 1.5},
		{1, 0, math.NaN()},
		{math.NaN(), 1, math.NaN()},
		{1, math.NaN(), math.NaN()},
	}
	for _, tt := range tests {
		if got := ratio(tt.a, tt.b); !sameFloat(got, tt.want) {
			t.Errorf("ratio(%v, %v): got %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// sameFloat is equality that treats NaN as equal to NaN and tolerates
// rounding.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}
