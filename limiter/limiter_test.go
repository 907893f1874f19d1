package limiter

import (
	"net/netip"
	"testing"
	"time"
)

func TestLimiterBothScopes(t *testing.T) {
	l := New(Policy{Max: 2, Window: time.Minute}, nil)
	ip1 := AddrKey(netip.MustParseAddr("192.0.2.1"), 64)
	ip2 := AddrKey(netip.MustParseAddr("192.0.2.2"), 64)
	ann := UserKey("ann")

	steps := []struct {
		ip      Key
		hasUser bool
		at      time.Duration
		allowed bool
		scope   Scope
		count   int
		retry   time.Duration
	}{
		{ip1, true, 0, true, ScopeIP, 1, 0},
		{ip2, true, time.Second, true, ScopeUser, 2, 0},                     // ann nearer her limit than ip2
		{ip2, true, 2 * time.Second, false, ScopeUser, 3, 59 * time.Second}, // ann over, from any IP
		{ip2, false, 3 * time.Second, false, ScopeIP, 3, 59 * time.Second},  // ip2 now full too
		{ip2, true, 4 * time.Second, false, ScopeIP, 3, 59 * time.Second},   // both over (user: 58s)
		{ip1, false, 5 * time.Second, true, ScopeIP, 2, 0},                  // ip1 only once so far
	}
	for i, s := range steps {
		d := l.Attempt(s.ip, ann, s.hasUser, t0.Add(s.at))
		if d.Allowed != s.allowed || d.Scope != s.scope || d.Count != s.count || d.RetryAfter != s.retry {
			t.Fatalf("step %d: got %+v, want allowed %v scope %v count %d retry %v",
				i, d, s.allowed, s.scope, s.count, s.retry)
		}
	}
	if got, want := l.IP().Len(), 2; got != want {
		t.Fatalf("IP keys: got %d, want %d", got, want)
	}
	if got, want := l.User().Len(), 1; got != want {
		t.Fatalf("user keys: got %d, want %d", got, want)
	}
}

func TestCombine(t *testing.T) {
	tests := []struct {
		ip, user, want Decision
	}{
		{Decision{Allowed: true, Count: 2}, Decision{Allowed: true, Count: 1, Scope: ScopeUser}, Decision{Allowed: true, Count: 2}},
		{Decision{Allowed: true, Count: 1}, Decision{Allowed: true, Count: 3, Scope: ScopeUser}, Decision{Allowed: true, Count: 3, Scope: ScopeUser}},
		{Decision{Allowed: true, Count: 1}, Decision{Count: 4, RetryAfter: 7, Scope: ScopeUser}, Decision{Count: 4, RetryAfter: 7, Scope: ScopeUser}},
		{Decision{Count: 4, RetryAfter: 5}, Decision{Allowed: true, Count: 1, Scope: ScopeUser}, Decision{Count: 4, RetryAfter: 5}},
		{Decision{Count: 4, RetryAfter: 5}, Decision{Count: 4, RetryAfter: 9, Scope: ScopeUser}, Decision{Count: 4, RetryAfter: 9}},
		{Decision{Count: 4, RetryAfter: 9}, Decision{Count: 4, RetryAfter: 5, Scope: ScopeUser}, Decision{Count: 4, RetryAfter: 9}},
	}
	for i, tt := range tests {
		if got := combine(tt.ip, tt.user); got != tt.want {
			t.Errorf("case %d: got %+v, want %+v", i, got, tt.want)
		}
	}
}

func TestLimiterPeekAndRecord(t *testing.T) {
	l := New(Policy{Max: 1, Window: time.Minute}, &Options{MaxKeys: 100})
	ip := AddrKey(netip.MustParseAddr("2001:db8::1"), 64)
	bob := UserKey("bob")
	l.Record(AddrKey(netip.MustParseAddr("2001:db8::2"), 64), bob, true, t0) // same /64

	if d := l.Peek(ip, bob, false, t0.Add(time.Second)); d.Allowed || d.RetryAfter != 59*time.Second {
		t.Fatalf("peek of the recorded /64: got %+v, want rejected, retry 59s", d)
	}
	if d := l.Peek(AddrKey(netip.MustParseAddr("192.0.2.1"), 64), bob, true, t0.Add(time.Second)); d.Allowed || d.Scope != ScopeUser {
		t.Fatalf("peek of the recorded user: got %+v, want rejected by user", d)
	}
	if d := l.Attempt(ip, bob, true, t0.Add(time.Minute)); !d.Allowed {
		t.Fatalf("attempt after the window: got %+v, want allowed", d)
	}
}

func TestLimiterHitPathAllocs(t *testing.T) {
	l := New(Policy{Max: 20, Window: 5 * time.Minute}, nil)
	ip := AddrKey(netip.MustParseAddr("192.0.2.1"), 64)
	user := UserKey("ann")
	now := t0
	l.Attempt(ip, user, true, now)
	allocs := testing.AllocsPerRun(1000, func() {
		now = now.Add(time.Second)
		l.Attempt(ip, user, true, now)
	})
	if allocs != 0 {
		t.Fatalf("allocations per attempt on known keys: got %v, want 0", allocs)
	}
}
