package limiter

import "time"

// Limiter is one endpoint's policy over both scopes: a Window of IP keys
// and a Window of user keys with the same Policy and Options. Build it
// with New; it is safe for concurrent use.
type Limiter struct {
	ip, user *Window
}

// New returns a Limiter enforcing p in both scopes. It panics if p is
// invalid (see Policy.Validate). opts may be nil; MaxKeys applies to each
// scope.
func New(p Policy, opts *Options) *Limiter {
	return &Limiter{ip: NewWindow(p, opts), user: NewWindow(p, opts)}
}

// IP returns the Window of IP keys, for checks of one scope alone (SPEC §4
// checks the IP before the token names the user), warm starts and metrics.
func (l *Limiter) IP() *Window { return l.ip }

// User returns the Window of user keys.
func (l *Limiter) User() *Window { return l.user }

// Attempt records one attempt at now under the IP key and, when hasUser,
// the user key, and decides it: rejected when either key is over the
// limit, the attempt recorded in both scopes all the same. A rejection
// names the rejecting scope (IP when both reject) and carries the longer
// RetryAfter of the two, so that waiting it out clears both.
func (l *Limiter) Attempt(ip Key, user Key, hasUser bool, now time.Time) (d Decision) {
	rd := l.ip.clock.read(now) // both scopes share the policy, hence the clock
	v, s := l.ip.attempt(ip, rd), ScopeIP
	if hasUser {
		v, s = merge(v, l.user.attempt(user, rd))
	}
	v.fill(&d, s)
	return d
}

// Peek returns the decision Attempt would give, recording nothing.
func (l *Limiter) Peek(ip Key, user Key, hasUser bool, now time.Time) Decision {
	v := l.ip.peek(ip, now)
	if !hasUser {
		return v.decision(ScopeIP)
	}
	v, s := merge(v, l.user.peek(user, now))
	return v.decision(s)
}

// Record adds a past attempt to both scopes, for a warm start.
func (l *Limiter) Record(ip Key, user Key, hasUser bool, at time.Time) {
	l.ip.Record(ip, at)
	if hasUser {
		l.user.Record(user, at)
	}
}

// merge decides from the IP verdict v and the user verdict u, and names
// the deciding scope. It returns a verdict rather than a Decision so that
// the result stays in registers (see verdict).
func merge(v, u verdict) (verdict, Scope) {
	switch {
	case !v.allowed:
		if !u.allowed {
			v.retry = max(v.retry, u.retry)
		}
		return v, ScopeIP
	case !u.allowed, u.count > v.count:
		return u, ScopeUser
	}
	return v, ScopeIP
}

// combine is merge for the decisions of the IP scope d and the user scope
// u.
func combine(d, u Decision) Decision {
	v, s := merge(d.verdict(), u.verdict())
	return v.decision(s)
}

func (d Decision) verdict() verdict {
	return verdict{allowed: d.Allowed, count: d.Count, retry: d.RetryAfter, since: d.SincePrevious}
}
