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

// tick returns the tick holding t.
func (c clock) tick(t time.Time) int64 {
	ms := t.UnixMilli()
	q := ms / c.unit
	if ms%c.unit < 0 {
		q-- // round towards the past for times before 1970
	}
	return q
}

// time returns the first instant of tick n.
func (c clock) time(n int64) time.Time {
	return time.UnixMilli(n * c.unit)
}

// resolution returns the length of a tick.
func (c clock) resolution() time.Duration {
	return time.Duration(c.unit) * time.Millisecond
}
