package limiter

import "time"

// Time inside a Window is counted in ticks: whole milliseconds since the
// Unix epoch (the journal's resolution, so a warm start loses nothing),
// or, for windows longer than maxSpan milliseconds (about 70 minutes),
// coarser ticks of ceil(Window/maxSpan) milliseconds. A reading is
// truncated to its tick, and the window of an attempt at tick t is the
// ticks (t-span, t].
type clock struct {
	unit int64 // milliseconds per tick
	span int64 // the window in ticks, rounded up: never shorter than asked
}

// maxSpan bounds a window in ticks, leaving ring entries (2^24 ticks)
// room for at least three windows between rebases.
const maxSpan = 1 << 22

func newClock(window time.Duration) clock {
	ms := (window + time.Millisecond - 1) / time.Millisecond
	unit := (int64(ms) + maxSpan - 1) / maxSpan
	return clock{unit: unit, span: (int64(ms) + unit - 1) / unit}
}

// A reading is one clock reading taken apart once, so that a decision
// works in integers: whole milliseconds, the nanoseconds past them, and
// the tick.
type reading struct {
	ms   int64
	sub  time.Duration // nanoseconds past ms, 0 to 999,999
	tick int64
}

func (c clock) read(t time.Time) reading {
	r := reading{ms: t.UnixMilli(), sub: time.Duration(t.Nanosecond() % 1e6)}
	r.tick = r.ms
	if c.unit != 1 {
		r.tick = r.ms / c.unit
		if r.ms%c.unit < 0 {
			r.tick-- // round towards the past for times before 1970
		}
	}
	return r
}

// since returns the time from the start of tick n to the reading.
func (c clock) since(r reading, n int64) time.Duration {
	return time.Duration(r.ms-n*c.unit)*time.Millisecond + r.sub
}

// until returns the time from the reading to the start of tick n.
func (c clock) until(r reading, n int64) time.Duration {
	return time.Duration(n*c.unit-r.ms)*time.Millisecond - r.sub
}

// resolution returns the length of a tick.
func (c clock) resolution() time.Duration {
	return time.Duration(c.unit) * time.Millisecond
}
