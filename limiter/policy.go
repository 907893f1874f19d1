package limiter

import (
	"fmt"
	"time"
)

// Policy is an exact sliding-window limit: at most Max attempts in any
// trailing Window. The zero Policy is invalid; see Validate.
type Policy struct {
	Max    int           // attempts allowed in any trailing Window, 1 to MaxAttempts
	Window time.Duration // at least one millisecond
}

// MaxAttempts is the largest Policy.Max: each allowed attempt costs 3
// bytes of memory per tracked key.
const MaxAttempts = 1 << 16

// Validate reports whether p can build a Window; configuration loaders
// call it so that NewWindow never panics on user input.
func (p Policy) Validate() error {
	if p.Max < 1 || p.Max > MaxAttempts {
		return fmt.Errorf("check limiter policy: max %d is not between 1 and %d", p.Max, MaxAttempts)
	}
	if p.Window < time.Millisecond {
		return fmt.Errorf("check limiter policy: window %v is shorter than 1ms", p.Window)
	}
	return nil
}

// DefaultMaxKeys is the number of keys a Window tracks when Options leaves
// MaxKeys at zero.
const DefaultMaxKeys = 1_000_000

// Options tunes a Window or a Limiter; nil means the defaults.
type Options struct {
	// MaxKeys is the number of keys tracked per scope; beyond it the least
	// recently used keys are evicted (and forgotten: an evicted key starts
	// over with an empty window). Default DefaultMaxKeys. Memory is about
	// 200 bytes a key at the default policy (see doc.go).
	MaxKeys int
}

func (o *Options) maxKeys() int {
	if o == nil || o.MaxKeys <= 0 {
		return DefaultMaxKeys
	}
	return o.MaxKeys
}

// Scope names the kind of key a decision is about.
type Scope uint8

// The scopes of a Limiter.
const (
	ScopeIP Scope = iota
	ScopeUser
)

// String returns "ip" or "user".
func (s Scope) String() string {
	if s == ScopeUser {
		return "user"
	}
	return "ip"
}

// Decision is the outcome of one attempt.
type Decision struct {
	// Allowed is false when the key already held Max attempts in the
	// window.
	Allowed bool

	// Scope is the scope whose key decided: the rejecting one when
	// !Allowed (IP first when both reject), otherwise the one nearer its
	// limit.
	Scope Scope

	// Count is the number of attempts in the window including this one. It
	// is exact while at most Max; a rejected attempt always reports Max+1
	// (over the limit), since only the last Max attempts are kept.
	Count int

	// RetryAfter, when !Allowed, is the time from now until a single
	// attempt would be admitted. For Attempt it counts the rejected attempt
	// itself (SPEC §4), so a client that waits this long and tries once
	// gets in; for Peek, which records nothing, it is until the oldest
	// counted attempt leaves the window. Zero when Allowed.
	RetryAfter time.Duration

	// SincePrevious is the time since this key's previous attempt (to the
	// millisecond), 0 if none is remembered or the clock went backwards.
	// Attempts are remembered for at least 2^22 ticks (70 minutes at
	// millisecond ticks) while the key is not evicted.
	SincePrevious time.Duration
}
