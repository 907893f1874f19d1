package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgate/wsgate/persist"
	"golang.org/x/time/rate"
)

// The connect path's own work per attempt, from the parsed request to the
// decision: steps 2 to 9, the journal entry and the metrics, without TCP
// and the WebSocket library. Run it with
//
//	go test -run='^$' -bench=ConnectPath -benchtime=2s ./server/
//
// and compare with the baselines in the same run: parsing the address
// alone, and the per-IP x/time/rate map most hand-written limiters use.

// stepClock is a clock that moves by step on every reading, so that a
// benchmark's keys age as they would under real traffic.
type stepClock struct {
	base time.Time
	n    atomic.Int64
	step time.Duration
}

func (c *stepClock) Now() time.Time {
	return c.base.Add(time.Duration(c.n.Add(1)) * c.step)
}

// benchServer builds a server as production does (real journal, metrics,
// log throttle) whose echo endpoint allows 20 attempts in 5 minutes. jo
// tunes the journal; nil means the defaults.
func benchServer(tb testing.TB, clock func() time.Time, jo *persist.JournalOptions) (*Server, func()) {
	tb.Helper()
	db, err := persist.Open(context.Background(), filepath.Join(tb.TempDir(), "b.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	eps := testEndpoints()
	for i := range eps {
		eps[i].RateLimitMaxAttempts, eps[i].RateLimitWindow = 20, 5*time.Minute
	}
	s, err := New(context.Background(), &Options{
		DB: db, Endpoints: eps, Clock: clock, Journal: jo,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics:        NewMetrics(&MetricsOptions{Endpoints: []string{"/ws/echo"}}),
		AllowedOrigins: []string{"https://example.com"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s, func() {
		s.Shutdown(context.Background())
		db.Close()
	}
}

// benchRequests returns n handshakes on path from n addresses.
func benchRequests(n int, path string) []*http.Request {
	reqs := make([]*http.Request, n)
	for i := range reqs {
		r := httptest.NewRequest("GET", path, nil)
		r.Header = upgradeHeaders()
		r.Host = "gw.example"
		r.RemoteAddr = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String() + ":40000"
		reqs[i] = r
	}
	return reqs
}

// attemptOnce is one attempt as serveEndpoint makes it, minus the answer;
// with journal false it stops at the decision.
func attemptOnce(s *Server, ep *endpoint, r *http.Request, journal bool) string {
	var a attempt
	s.decide(r.Context(), r, ep, s.clock(), &a)
	if journal {
		s.record(ep, &a)
	}
	if a.slot {
		s.capacity.release(a.ipKey)
	}
	return a.reason
}

func BenchmarkConnectPath(b *testing.B) {
	// 1024 addresses, 20 ms apart: each comes back every 20 s, so a key
	// holds 15 attempts of the 20 its 5-minute window allows: accepted.
	clock := &stepClock{base: time.Now(), step: 20 * time.Millisecond}
	s, stop := benchServer(b, clock.Now, nil)
	defer stop()
	echo := s.endpoints["/ws/echo"]
	many := benchRequests(1024, "/ws/echo")
	for _, r := range many { // warm the limiter's keys
		attemptOnce(s, echo, r, false)
	}
	hot := benchRequests(1, "/ws/echo")[0]
	hot.RemoteAddr = "192.0.2.1:40000"
	evil := benchRequests(1, "/ws/echo")[0]
	evil.RemoteAddr = "192.0.2.2:40000"
	evil.Header.Set("Origin", "https://example.com.evil.tld")

	// The baselines first, while the journal writer is idle.
	b.Run("baseline/parse_addr", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			ap, _ := netip.ParseAddrPort(many[i&1023].RemoteAddr)
			_ = clock.Now()
			sink = ap.Addr().IsValid()
		}
	})
	b.Run("baseline/x_time_rate_map", func(b *testing.B) {
		b.ReportAllocs()
		m := newRateMap()
		for i := 0; b.Loop(); i++ {
			ap, _ := netip.ParseAddrPort(many[i&1023].RemoteAddr)
			sink = m.allow(ap.Addr(), clock.Now())
		}
	})

	cases := []struct {
		name    string
		next    func(i int) *http.Request
		want    string
		journal bool
	}{
		{"decide/accepted_anonymous", func(i int) *http.Request { return many[i&1023] }, ReasonOK, false},
		{"decide/rejected_ip_limit", func(int) *http.Request { return hot }, ReasonRateLimitedIP, false},
		{"decide/rejected_origin", func(int) *http.Request { return evil }, ReasonForbiddenOrigin, false},
		// The whole per-attempt work: the decision, the journal entry and
		// the metrics, with the journal writer committing on the other core.
		{"decide_journal/accepted_anonymous", func(i int) *http.Request { return many[i&1023] }, ReasonOK, true},
		{"decide_journal/rejected_ip_limit", func(int) *http.Request { return hot }, ReasonRateLimitedIP, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for range 25 { // the hot key is over its limit from here on
				attemptOnce(s, echo, hot, false)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if reason := attemptOnce(s, echo, c.next(i), c.journal); reason != c.want {
					b.Fatalf("reason %s, want %s", reason, c.want)
				}
			}
		})
	}
	b.Run("decide/accepted_anonymous_parallel", func(b *testing.B) {
		b.ReportAllocs()
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				attemptOnce(s, echo, many[next.Add(1)&1023], false)
			}
		})
	})

}

var sink bool

// rateMap is the usual hand-written per-IP limiter: a map of token
// buckets under a mutex, with 20 per 5 minutes as burst and rate.
type rateMap struct {
	mu sync.Mutex // guards m
	m  map[netip.Addr]*rate.Limiter
}

func newRateMap() *rateMap { return &rateMap{m: make(map[netip.Addr]*rate.Limiter)} }

func (m *rateMap) allow(a netip.Addr, now time.Time) bool {
	m.mu.Lock()
	l := m.m[a]
	if l == nil {
		l = rate.NewLimiter(rate.Every(5*time.Minute/20), 20)
		m.m[a] = l
	}
	m.mu.Unlock()
	return l.AllowN(now, 1)
}

// TestConnectPathAllocs holds the connect path to its allocation budget:
// at most 2 for an accepted anonymous attempt, no more for a rejected one.
func TestConnectPathAllocs(t *testing.T) {
	clock := &stepClock{base: time.Now(), step: 20 * time.Millisecond}
	// AllocsPerRun counts every goroutine's allocations: keep the journal
	// writer from committing a batch (SQLite allocates) while it measures.
	// Its enqueue is held to zero allocations in persist's own tests.
	s, stop := benchServer(t, clock.Now, &persist.JournalOptions{
		BatchSize: 1 << 16, FlushInterval: time.Hour,
	})
	defer stop()
	echo := s.endpoints["/ws/echo"]
	many := benchRequests(64, "/ws/echo")
	for _, r := range many {
		attemptOnce(s, echo, r, true)
	}
	i := 0
	accepted := testing.AllocsPerRun(500, func() {
		i++
		if reason := attemptOnce(s, echo, many[i%64], true); reason != ReasonOK {
			t.Fatalf("reason %s, want ok", reason)
		}
	})
	hot := benchRequests(1, "/ws/echo")[0]
	hot.RemoteAddr = "192.0.2.1:1"
	for range 25 {
		attemptOnce(s, echo, hot, true)
	}
	rejected := testing.AllocsPerRun(500, func() { attemptOnce(s, echo, hot, true) })
	t.Logf("allocations: accepted %.1f, rejected %.1f", accepted, rejected)
	if accepted > 2 || rejected > accepted {
		t.Errorf("allocations: accepted %.1f (want <= 2), rejected %.1f (want <= accepted)", accepted, rejected)
	}
}
