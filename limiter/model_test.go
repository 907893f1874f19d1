package limiter

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// model is the reference the Window is checked against: every attempt
// time of every key in a plain sorted list, in ticks of unit milliseconds,
// judged by counting. It shares no code with the Window.
type model struct {
	max   int
	unit  int64 // milliseconds per tick
	span  int64 // window in ticks
	times map[Key][]int64
}

func newModel(p Policy) *model {
	ms := int64((p.Window + time.Millisecond - 1) / time.Millisecond)
	unit := (ms + 1<<22 - 1) >> 22
	return &model{max: p.Max, unit: unit, span: (ms + unit - 1) / unit, times: map[Key][]int64{}}
}

func (m *model) tick(t time.Time) int64 {
	ms := t.UnixMilli()
	if ms < 0 && ms%m.unit != 0 {
		return ms/m.unit - 1
	}
	return ms / m.unit
}

func (m *model) instant(tick int64) time.Time { return time.UnixMilli(tick * m.unit) }

// decide judges an attempt of k at now; record appends it.
func (m *model) decide(k Key, now time.Time, record bool) Decision {
	list := m.times[k]
	t := m.tick(now)
	var d Decision
	if n := len(list); n > 0 {
		newest := list[n-1]
		t = max(t, newest) // a clock going backwards counts as the newest time
		d.SincePrevious = max(now.Sub(m.instant(newest)), 0)
	}

	inWindow := 0
	for _, a := range list {
		if a > t-m.span {
			inWindow++
		}
	}
	d.Allowed = inWindow < m.max
	d.Count = min(inWindow+1, m.max+1)

	if record {
		list = append(list, t)
		m.times[k] = list
	}
	if !d.Allowed {
		// The key holds fewer than max once the max-th newest time leaves.
		d.RetryAfter = m.instant(list[len(list)-m.max] + m.span).Sub(now)
	}
	return d
}

func (m *model) record(k Key, at time.Time) {
	list := m.times[k]
	t := m.tick(at)
	i, _ := slices.BinarySearch(list, t+1)
	m.times[k] = slices.Insert(list, i, t)
}

// TestWindowMatchesModel drives a Window and the model with the same
// random attempts, peeks and warm-start records over several keys,
// policies and clock jumps (backwards too, and forward far enough to
// rebase), and compares every decision.
func TestWindowMatchesModel(t *testing.T) {
	policies := []Policy{
		{Max: 1, Window: 50 * time.Millisecond},
		{Max: 2, Window: time.Second},
		{Max: 3, Window: 1500 * time.Microsecond},
		{Max: 5, Window: time.Minute},
		{Max: 20, Window: 5 * time.Minute},
		{Max: 10, Window: 3 * time.Hour}, // 3 ms ticks
	}
	rng := rand.New(rand.NewPCG(2, 7))
	var tally modelTally
	for seq := range 240 {
		p := policies[seq%len(policies)]
		runModelSequence(t, rng, p, seq, &tally)
		if t.Failed() {
			return
		}
	}
	if tally.allowed+tally.rejected < 100_000 {
		t.Fatalf("compared %d decisions, want at least 100,000", tally.allowed+tally.rejected)
	}
	// A sequence that never hits the limit would prove little.
	if tally.rejected < tally.allowed/4 || tally.allowed < tally.rejected/4 {
		t.Fatalf("got %d allowed and %d rejected, want both common", tally.allowed, tally.rejected)
	}
	t.Logf("compared %d allowed and %d rejected decisions", tally.allowed, tally.rejected)
}

type modelTally struct{ allowed, rejected int }

func (t *modelTally) add(d Decision) {
	if d.Allowed {
		t.allowed++
	} else {
		t.rejected++
	}
}

func runModelSequence(t *testing.T, rng *rand.Rand, p Policy, seq int, tally *modelTally) {
	t.Helper()
	w := NewWindow(p, &Options{MaxKeys: 1 << 16}) // no evictions: the model forgets nothing
	m := newModel(p)
	keys := make([]Key, 1+rng.IntN(8))
	for i := range keys {
		keys[i] = UserKey(fmt.Sprint(seq, "/", i))
	}

	now := time.Unix(1_780_000_000+rng.Int64N(1e6), rng.Int64N(1e9))
	// Steps average a little under the rate that keeps every key at its
	// limit, so that both answers are common.
	step := p.Window / time.Duration(p.Max*len(keys))
	for op := range 1000 {
		now = now.Add(clockStep(rng, p.Window, step))
		k := keys[rng.IntN(len(keys))]

		var got, want Decision
		switch r := rng.IntN(20); {
		case r == 0:
			at := now.Add(-time.Duration(rng.Int64N(int64(2 * p.Window))))
			w.Record(k, at)
			m.record(k, at)
			continue
		case r == 1:
			got, want = w.Peek(k, now), m.decide(k, now, false)
		default:
			got, want = w.Attempt(k, now), m.decide(k, now, true)
		}
		tally.add(want)
		if got.SincePrevious == 0 && want.SincePrevious >= m.instant(1<<22).Sub(m.instant(0)) {
			// A rebase may forget attempts older than 2^22 ticks.
			want.SincePrevious = 0
		}
		if got != want {
			t.Errorf("policy %+v sequence %d op %d at %v: got %+v, want %+v",
				p, seq, op, now.Format(time.RFC3339Nano), got, want)
			return
		}
	}
}

// clockStep returns how far the clock moves before the next operation:
// mostly a small step forward around the limiting rate, sometimes none,
// sometimes backwards, rarely hours forward (which rebases the rings).
func clockStep(rng *rand.Rand, window, step time.Duration) time.Duration {
	switch r := rng.IntN(100); {
	case r < 5:
		return 0
	case r < 9:
		return -time.Duration(rng.Int64N(int64(window)))
	case r < 10:
		return time.Duration(rng.Int64N(int64(6 * time.Hour)))
	case r < 20:
		return time.Duration(rng.Int64N(int64(2 * window)))
	default:
		return time.Duration(rng.Int64N(int64(3*step/2) + 1))
	}
}
