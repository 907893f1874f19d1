package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	defs := []metricDef{
		{key: "cpu_us", label: "cpu", unit: "µs", goal: &goal{ratioAtMost, 1.15}},
		{key: "rejected", label: "rejected", unit: "%", wsgateOnly: true},
		{key: "missing", label: "missing", unit: "ms", goal: &goal{valueBelow, 50}},
	}
	wsgate := []sample{{"cpu_us": 60, "rejected": 90}, {"cpu_us": 50, "rejected": 95}, {"cpu_us": 70}}
	baseline := []sample{{"cpu_us": 50, "rejected": 0}, {"cpu_us": math.NaN()}, {"cpu_us": 54}}

	rows := summarize(defs, wsgate, baseline)
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3", len(rows))
	}
	cpu := rows[0]
	if *cpu.Wsgate != 60 || *cpu.Baseline != 52 {
		t.Errorf("cpu medians: got %v and %v, want 60 and 52", *cpu.Wsgate, *cpu.Baseline)
	}
	if math.Abs(*cpu.Ratio-60.0/52) > 1e-9 || cpu.Result != verdictMissed {
		t.Errorf("cpu: got ratio %v %s, want %v missed", *cpu.Ratio, cpu.Result, 60.0/52)
	}
	if len(cpu.BaselineRounds) != 2 {
		t.Errorf("baseline rounds: got %v, want the NaN round skipped", cpu.BaselineRounds)
	}
	rej := rows[1]
	if *rej.Wsgate != 92.5 || rej.Baseline != nil || rej.Ratio != nil {
		t.Errorf("wsgate-only row: got %v, %v, %v; want 92.5 and no baseline or ratio", *rej.Wsgate, rej.Baseline, rej.Ratio)
	}
	miss := rows[2]
	if miss.Wsgate != nil || miss.Result != verdictNoData {
		t.Errorf("missing row: got %v %q, want nil and %q", miss.Wsgate, miss.Result, verdictNoData)
	}
}

func testReport() *report {
	v := func(x float64) *float64 { return &x }
	return &report{
		Machine: machine{CPU: "Test CPU", Cores: 2, Go: "go1.26.8", OS: "linux/amd64"},
		Command: "cd benchmarks && go run ./wsload",
		Rounds:  3,
		Started: time.Date(2026, 12, 3, 19, 0, 0, 0, time.UTC),
		Seconds: 200,
		Scenarios: []scenarioReport{{
			Name: "handshake", About: "accepted handshakes",
			Metrics: []metricReport{
				{Key: "per_s", Label: "accepted handshakes/s", Unit: "/s", Wsgate: v(12345.4), Baseline: v(13000), Ratio: v(0.9496)},
				{Key: "cpu_us", Label: "server CPU | handshake", Unit: "µs", Wsgate: v(55.55), Baseline: v(50), Ratio: v(1.111),
					Target: "<= 1.15x baseline", Result: verdictMet},
				{Key: "x", Label: "no figure", Unit: "ms"},
			},
			Errors: []string{"wsgate round 2: boom"},
		}},
	}
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := writeMarkdown(&b, testReport()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"machine: Test CPU, 2 cores, go1.26.8, linux/amd64",
		"command: `cd benchmarks && go run ./wsload`",
		"| scenario | metric | wsgate | baseline | ratio | target | result |",
		"| handshake | accepted handshakes/s | 12,345/s | 13,000/s | 0.95x |  |  |",
		`| handshake | server CPU \| handshake | 55.5 µs | 50.0 µs | 1.11x | <= 1.15x baseline | met |`,
		"| handshake | no figure | – | – | – |  |  |",
		"- handshake: wsgate round 2: boom",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q; got:\n%s", want, out)
		}
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := writeText(&b, testReport()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"machine: Test CPU", "handshake: accepted handshakes", "1.11x", "met",
		"failed trial: wsgate round 2: boom",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q; got:\n%s", want, out)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := writeJSON(&b, testReport()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Machine   machine `json:"machine"`
		Scenarios []struct {
			Metrics []struct {
				Key    string   `json:"key"`
				Wsgate *float64 `json:"wsgate"`
				Result string   `json:"result"`
			} `json:"metrics"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("decode: %v\n%s", err, b.String())
	}
	if got.Machine.Cores != 2 || len(got.Scenarios) != 1 || len(got.Scenarios[0].Metrics) != 3 {
		t.Fatalf("got %+v, want the report back", got)
	}
	m := got.Scenarios[0].Metrics
	if m[1].Result != verdictMet || m[2].Wsgate != nil {
		t.Errorf("got result %q and figure %v, want met and null", m[1].Result, m[2].Wsgate)
	}
}

func TestCell(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	tests := []struct {
		v    *float64
		unit string
		want string
	}{
		{nil, "ms", noFigure},
		{v(1234567.4), "/s", "1,234,567/s"},
		{v(999), "/s", "999/s"},
		{v(3), "", "3"},
		{v(2.5), "", "2.5"},
		{v(12345.6), "", "12,346"},
		{v(1.234), "ms", "1.23 ms"},
		{v(0.456), "cores", "0.46 cores"},
		{v(23.46), "KiB", "23.5 KiB"},
		{v(97.25), "%", "97.2%"},
	}
	for _, tt := range tests {
		if got := cell(tt.v, tt.unit); got != tt.want {
			t.Errorf("cell(%v, %q): got %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

func TestGroupThousands(t *testing.T) {
	tests := map[string]string{"0": "0", "100": "100", "1000": "1,000", "123456": "123,456", "-12345": "-12,345"}
	for in, want := range tests {
		if got := groupThousands(in); got != want {
			t.Errorf("groupThousands(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine(5, 10, "storm wsgate round 1", 12*time.Second)
	want := "[##########..........] 5/10 storm wsgate round 1 12s"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := progressLine(0, 0, "x", 0); !strings.HasPrefix(got, "[....................] 0/0") {
		t.Errorf("empty total: got %q", got)
	}
}

func TestProgressSilentOffTerminal(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, 3)
	p.step("a")
	p.step("b")
	p.finish()
	if b.Len() != 0 {
		t.Errorf("got %q written to a buffer, want nothing", b.String())
	}
}
