package main

import (
	"math"
	"slices"
	"time"
)

// median returns the middle of xs (the mean of the two middle values for
// an even count), or NaN for none. xs is not modified.
func median(xs []float64) float64 {
	return percentile(xs, 50)
}

// percentile returns the p-th percentile (0..100) of xs by linear
// interpolation between the closest ranks, or NaN for an empty slice.
// xs is not modified.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	p = min(max(p, 0), 100)

	// Rank r in [0, n-1]; interpolate between its floor and ceiling.
	r := p / 100 * float64(len(s)-1)
	lo := int(math.Floor(r))
	hi := int(math.Ceil(r))
	return s[lo] + (s[hi]-s[lo])*(r-float64(lo))
}

// latencies collects durations from one client loop. The zero value is
// ready to use; it is not safe for concurrent use (merge per-goroutine
// collections with add).
type latencies struct {
	ms []float64
}

// observe records one duration.
func (l *latencies) observe(d time.Duration) {
	l.ms = append(l.ms, float64(d)/float64(time.Millisecond))
}

// add appends all of o's observations.
func (l *latencies) add(o *latencies) {
	l.ms = append(l.ms, o.ms...)
}

// count is the number of observations.
func (l *latencies) count() int { return len(l.ms) }

// quantileMs is the p-th percentile in milliseconds, NaN when empty.
func (l *latencies) quantileMs(p float64) float64 {
	return percentile(l.ms, p)
}

// ratio is a / b, NaN when either is NaN or b is zero.
func ratio(a, b float64) float64 {
	if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return a / b
}
