package main

import (
	"math"
	"testing"
)

func TestGoalVerdict(t *testing.T) {
	tests := []struct {
		name     string
		g        goal
		value, r float64
		want     string
	}{
		{"ratio at most, under", goal{ratioAtMost, 1.15}, 60, 1.10, verdictMet},
		{"ratio at most, equal", goal{ratioAtMost, 1.15}, 60, 1.15, verdictMet},
		{"ratio at most, over", goal{ratioAtMost, 1.15}, 60, 1.16, verdictMissed},
		{"ratio at least, over", goal{ratioAtLeast, 1.5}, 9000, 1.8, verdictMet},
		{"ratio at least, under", goal{ratioAtLeast, 1.5}, 9000, 1.2, verdictMissed},
		{"value below, under", goal{valueBelow, 50}, 12, math.NaN(), verdictMet},
		{"value below, equal", goal{valueBelow, 50}, 50, 0.5, verdictMissed},
		{"value at most, equal", goal{valueAtMost, 4}, 4, 9, verdictMet},
		{"value at most, over", goal{valueAtMost, 4}, 4.1, 0.1, verdictMissed},
		{"no ratio", goal{ratioAtMost, 1.15}, 60, math.NaN(), verdictNoData},
		{"no value", goal{valueBelow, 50}, math.NaN(), 1, verdictNoData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.verdict(tt.value, tt.r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGoalString(t *testing.T) {
	tests := []struct {
		g    goal
		unit string
		want string
	}{
		{goal{ratioAtMost, 1.15}, "µs", "<= 1.15x baseline"},
		{goal{ratioAtLeast, 1.5}, "/s", ">= 1.5x baseline"},
		{goal{valueBelow, 50}, "ms", "< 50 ms"},
		{goal{valueAtMost, 4}, "KiB", "<= 4 KiB"},
	}
	for _, tt := range tests {
		if got := tt.g.String(tt.unit); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
