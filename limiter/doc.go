// Package limiter decides whether one more connection attempt fits a
// client's budget: an exact sliding window of at most Max attempts in any
// trailing Window, per IP key and per user key, in bounded memory. It is a
// pure library: no goroutines, no I/O, no logging, and time is always an
// argument, so tests never sleep.
//
// Start with New, which builds a Limiter for one endpoint's Policy over
// two scopes (IP and user), and its Attempt method; AddrKey, ParseAddrKey
// and UserKey make the keys. Window is one scope on its own. MessagePool
// is a separate, approximate token bucket (golang.org/x/time/rate) for
// per-connection message rates.
//
// # Semantics
//
// An attempt at time t is rejected exactly when its key already holds Max
// attempts in (t-Window, t]. Every attempt is recorded, accepted or not,
// so a client that keeps hammering stays rejected until it has been quiet
// long enough. A rejection's RetryAfter is the time until the key would
// hold fewer than Max attempts counting the rejected one, so one attempt
// after waiting that long is admitted. There is no boundary at which more
// than Max attempts get in: each key keeps a ring of its last Max attempt
// times, which is all an exact decision needs.
//
// # Resolution
//
// Times are truncated to whole milliseconds of Unix time (the journal's
// resolution) and the window is rounded up to whole milliseconds; the
// window of an attempt at millisecond t is exactly the milliseconds
// (t-Window, t]. For readings on whole milliseconds decisions are
// therefore exact to the nanosecond: an attempt at t-Window is outside,
// one at t-Window+1ns inside. For other readings an attempt may count for
// up to a millisecond more or less than Window, never more than Max in any
// window of the millisecond clock. Windows longer than about 70 minutes
// (2^22 ms) use coarser ticks of Window/2^22 (21 ms for a day); see
// Window.Resolution.
//
// A clock reading earlier than a key's latest recorded attempt counts as
// that latest time: a clock going backwards never panics, never reorders a
// key's attempts and never lets an attempt leave the window early.
//
// # Memory
//
// A tracked key costs one golang-lru entry (80 bytes, the 16-byte Key
// included), its slot in the LRU's map (25-50 bytes, depending on where
// the map is in its growth), and 3 bytes per attempt of its ring: 180
// bytes at the default policy of 20 attempts and a full window of a
// million keys, measured by the benchmarks in the benchmarks module. Keys
// beyond Options.MaxKeys are evicted least recently used first, and
// forgotten.
//
// # Concurrency
//
// Window, Limiter, MessagePool and MessageLimiter are safe for concurrent
// use. A Window spreads its keys over up to 96 shards, each a
// golang-lru simplelru under its own mutex. An attempt on a known key
// allocates nothing and costs one map lookup, or none when the key is the
// last one its shard saw (a client hammering); Limiter.Attempt reads the
// clock once for both scopes.
package limiter
