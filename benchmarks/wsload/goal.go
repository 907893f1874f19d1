package main

import (
	"fmt"
	"math"
)

// goalKind says what a goal compares.
type goalKind int

const (
	ratioAtMost  goalKind = iota // wsgate / baseline <= limit
	ratioAtLeast                 // wsgate / baseline >= limit
	valueBelow                   // wsgate's own value < limit
	valueAtMost                  // wsgate's own value <= limit
)

// goal is one target of the issue, checked on the medians of one run.
type goal struct {
	kind  goalKind
	limit float64
}

// Verdicts written in the report's result column.
const (
	verdictMet    = "met"
	verdictMissed = "missed"
	verdictNoData = "no data"
)

// String is the target column, e.g. "<= 1.15x baseline" or "< 50 ms".
func (g goal) String(unit string) string {
	switch g.kind {
	case ratioAtMost:
		return fmt.Sprintf("<= %gx baseline", g.limit)
	case ratioAtLeast:
		return fmt.Sprintf(">= %gx baseline", g.limit)
	case valueBelow:
		return fmt.Sprintf("< %g %s", g.limit, unit)
	default:
		return fmt.Sprintf("<= %g %s", g.limit, unit)
	}
}

// verdict judges wsgate's median value and the ratio to the baseline's.
// A missing figure is "no data", never "met".
func (g goal) verdict(value, r float64) string {
	x := r
	if g.kind == valueBelow || g.kind == valueAtMost {
		x = value
	}
	if math.IsNaN(x) {
		return verdictNoData
	}
	var ok bool
	switch g.kind {
	case ratioAtMost, valueAtMost:
		ok = x <= g.limit
	case ratioAtLeast:
		ok = x >= g.limit
	case valueBelow:
		ok = x < g.limit
	}
	if ok {
		return verdictMet
	}
	return verdictMissed
}
