package main

import (
	"math"
	"time"
)

// report is the outcome of one run, as printed in every format.
type report struct {
	Machine   machine          `json:"machine"`
	Command   string           `json:"command"`
	Rounds    int              `json:"rounds"`
	Started   time.Time        `json:"started"`
	Seconds   float64          `json:"seconds"`
	Scenarios []scenarioReport `json:"scenarios"`
}

// scenarioReport holds one scenario's figures.
type scenarioReport struct {
	Name    string         `json:"name"`
	About   string         `json:"about"`
	Metrics []metricReport `json:"metrics"`
	Errors  []string       `json:"errors,omitempty"` // failed trials
}

// metricReport is one row: the medians over the rounds of each server,
// their ratio, and the target's verdict when the row has a target.
// Missing figures are null in JSON.
type metricReport struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	Unit     string   `json:"unit"`
	Wsgate   *float64 `json:"wsgate"`
	Baseline *float64 `json:"baseline"`
	Ratio    *float64 `json:"ratio"`
	Target   string   `json:"target,omitempty"`
	Result   string   `json:"result,omitempty"`

	WsgateRounds   []float64 `json:"wsgate_rounds"`
	BaselineRounds []float64 `json:"baseline_rounds"`
}

// sample is what one trial measured, by metric key.
type sample map[string]float64

// metricDef declares one row of a scenario's table.
type metricDef struct {
	key   string
	label string
	unit  string
	goal  *goal // nil: reported without a target
	// wsgateOnly rows have no meaningful baseline figure (a rejected
	// share, say) and show no ratio.
	wsgateOnly bool
}

// summarize turns the trials of one scenario into its report rows.
func summarize(defs []metricDef, wsgate, baseline []sample) []metricReport {
	rows := make([]metricReport, 0, len(defs))
	for _, d := range defs {
		w := column(wsgate, d.key)
		b := column(baseline, d.key)
		wm, bm := median(w), median(b)
		r := ratio(wm, bm)
		if d.wsgateOnly {
			b, bm, r = nil, math.NaN(), math.NaN()
		}
		row := metricReport{
			Key: d.key, Label: d.label, Unit: d.unit,
			Wsgate: finite(wm), Baseline: finite(bm), Ratio: finite(r),
			WsgateRounds: w, BaselineRounds: b,
		}
		if d.goal != nil {
			row.Target = d.goal.String(d.unit)
			row.Result = d.goal.verdict(wm, r)
		}
		rows = append(rows, row)
	}
	return rows
}

// column collects one key's values over trials, skipping trials that
// lack it or measured NaN.
func column(samples []sample, key string) []float64 {
	var xs []float64
	for _, s := range samples {
		if v, ok := s[key]; ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
			xs = append(xs, v)
		}
	}
	return xs
}

// finite is a pointer to x, or nil when x is NaN or infinite, so that
// JSON shows null rather than failing to encode.
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
