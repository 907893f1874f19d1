package main

import (
	"testing"
	"time"
)

func TestLateGrowth(t *testing.T) {
	const mib = 1 << 20
	s := time.Second
	rss := []rssPoint{
		{s / 4, 10 * mib}, {s / 2, 20 * mib}, {s, 30 * mib},
		{5 * s / 4, 31 * mib}, {3 * s / 2, 33 * mib}, {7 * s / 4, 32 * mib}, {2 * s, 31 * mib},
	}
	tests := []struct {
		name   string
		from   time.Duration
		done   bool
		want   float64
		wantOK bool
	}{
		{"after every key", s, true, 10, true},
		{"from the start", 0, true, 230, true},
		{"between readings", 900 * time.Millisecond, true, 10, true},
		{"first pass unfinished", s, false, 0, false},
		{"too few readings after", 3 * s / 2, true, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := lateGrowth(rss, tt.from, tt.done)
			if ok != tt.wantOK || !sameFloat(got, tt.want) {
				t.Errorf("got %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
