package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// method is how every report says its figures were made.
const method = "wsgate and baseline alternating, a fresh server each trial; medians of the rounds"

// noFigure stands in a cell for a figure that was not measured.
const noFigure = "–"

// writeText prints rep for a person at a terminal.
func writeText(w io.Writer, rep *report) error {
	fmt.Fprintf(w, "wsload: %s\n", rep.Machine)
	fmt.Fprintf(w, "command: %s\n", rep.Command)
	fmt.Fprintf(w, "%s per scenario, %s; %.0f s in all\n", rounds(rep.Rounds), method, rep.Seconds)
	for _, s := range rep.Scenarios {
		fmt.Fprintf(w, "\n%s: %s\n", s.Name, s.About)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "metric\twsgate\tbaseline\tratio\ttarget\tresult\t")
		for _, m := range s.Metrics {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", m.Label,
				cell(m.Wsgate, m.Unit), cell(m.Baseline, m.Unit), ratioCell(m.Ratio), m.Target, m.Result)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, e := range s.Errors {
			fmt.Fprintf(w, "  failed trial: %s\n", e)
		}
	}
	return nil
}

// writeMarkdown prints rep as the tables of benchmarks/README.md.
func writeMarkdown(w io.Writer, rep *report) error {
	fmt.Fprintf(w, "%s  \n", rep.Machine)
	fmt.Fprintf(w, "command: `%s`  \n", rep.Command)
	fmt.Fprintf(w, "%s per scenario, %s; %.0f s in all.\n\n", rounds(rep.Rounds), method, rep.Seconds)
	fmt.Fprintln(w, "| scenario | metric | wsgate | baseline | ratio | target | result |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|---|---|")
	for _, s := range rep.Scenarios {
		for _, m := range s.Metrics {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", s.Name, mdEscape(m.Label),
				cell(m.Wsgate, m.Unit), cell(m.Baseline, m.Unit), ratioCell(m.Ratio),
				mdEscape(m.Target), m.Result)
		}
	}
	var errs []string
	for _, s := range rep.Scenarios {
		for _, e := range s.Errors {
			errs = append(errs, fmt.Sprintf("- %s: %s", s.Name, mdEscape(e)))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\nFailed trials:\n\n%s\n", strings.Join(errs, "\n"))
	}
	return nil
}

// writeJSON prints rep as one indented JSON object.
func writeJSON(w io.Writer, rep *report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // the command holds "&&"
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// cell formats a figure with a precision that suits its unit.
func cell(v *float64, unit string) string {
	if v == nil {
		return noFigure
	}
	x := *v
	var s string
	switch {
	case unit == "" && x != math.Trunc(x) && math.Abs(x) < 100:
		s = fmt.Sprintf("%.1f", x) // a small count's fraction, e.g. 2.5 goroutines
	case unit == "/s", unit == "":
		s = groupThousands(fmt.Sprintf("%.0f", x))
	case unit == "ms", unit == "cores":
		s = fmt.Sprintf("%.2f", x)
	default:
		s = fmt.Sprintf("%.1f", x)
	}
	if unit == "" {
		return s
	}
	if unit == "/s" || unit == "%" {
		return s + unit
	}
	return s + " " + unit
}

// rounds is "1 round" or "n rounds".
func rounds(n int) string {
	if n == 1 {
		return "1 round"
	}
	return fmt.Sprintf("%d rounds", n)
}

// ratioCell formats a ratio as "1.07x".
func ratioCell(r *float64) string {
	if r == nil {
		return noFigure
	}
	return fmt.Sprintf("%.2fx", *r)
}

// groupThousands puts commas into the integer part of a decimal text.
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// mdEscape keeps a cell's text from breaking the table.
func mdEscape(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
