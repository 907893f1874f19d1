package limiter_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/wsgate/wsgate/limiter"
)

func Example() {
	l := limiter.New(limiter.Policy{Max: 2, Window: time.Minute}, nil)
	ip, _ := limiter.ParseAddrKey("2001:db8::7", limiter.DefaultIPv6Prefix)
	user := limiter.UserKey("ann")

	start := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	for _, at := range []time.Duration{0, 10 * time.Second, 20 * time.Second, 60 * time.Second} {
		d := l.Attempt(ip, user, true, start.Add(at))
		fmt.Printf("+%v: allowed=%v count=%d retry_after=%v\n", at, d.Allowed, d.Count, d.RetryAfter)
	}
	// Output:
	// +0s: allowed=true count=1 retry_after=0s
	// +10s: allowed=true count=2 retry_after=0s
	// +20s: allowed=false count=3 retry_after=50s
	// +1m0s: allowed=false count=3 retry_after=20s
}

func ExampleAddrKey() {
	for _, s := range []string{"192.0.2.1", "::ffff:192.0.2.1", "2001:db8:1:2:3:4:5:6"} {
		k := limiter.AddrKey(netip.MustParseAddr(s), 64)
		p, _ := k.Addr()
		fmt.Println(k, p)
	}
	// Output:
	// 192.0.2.1 192.0.2.1/32
	// 192.0.2.1 192.0.2.1/32
	// 2001:db8:1:2::/64 2001:db8:1:2::/64
}

func ExampleParseAddrKey() {
	_, err := limiter.ParseAddrKey("192.0.2.1:8080", 64)
	fmt.Println(err)
	// Output:
	// parse ip key: ParseAddr("192.0.2.1:8080"): unexpected character (at ":8080")
}

func ExampleWindow_Record() {
	w := limiter.NewWindow(limiter.Policy{Max: 1, Window: time.Minute}, nil)
	k := limiter.UserKey("bob")
	start := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)

	// On start, replay the journal's attempts of the last window.
	w.Record(k, start.Add(-30*time.Second))

	d := w.Attempt(k, start)
	fmt.Println(d.Allowed, d.RetryAfter, d.SincePrevious)
	// Output:
	// false 1m0s 30s
}

func ExampleMessagePool() {
	pool := limiter.NewMessagePool(10, 2) // 10 a second, bursts of 2
	start := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)

	m := pool.Get(start) // when a connection opens
	defer pool.Put(m)    // when it closes
	fmt.Println(m.Allow(start), m.Allow(start), m.Allow(start), m.Allow(start.Add(100*time.Millisecond)))
	// Output:
	// true true false true
}
