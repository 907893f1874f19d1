package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// logCapture is a JSON slog handler writing into a buffer that tests read
// back line by line.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *logCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func newLogCapture() (*logCapture, *slog.Logger) {
	c := &logCapture{}
	h := slog.NewJSONHandler(c, &slog.HandlerOptions{Level: slog.LevelDebug})
	return c, slog.New(h)
}

func (c *logCapture) lines(t *testing.T) []map[string]any {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(c.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

var t0 = time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)

func stormRejection(ip string, count int) Rejection {
	return Rejection{Scope: ScopeIP, IP: netip.MustParseAddr(ip),
		Endpoint: "/ws/chat", Reason: "rate_limited_ip", Count: count}
}

func TestRejectLogStormWritesAFewLines(t *testing.T) {
	logs, logger := newLogCapture()
	r := NewRejectLog(&LogThrottleOptions{Logger: logger})

	// 10,000 rejections within two seconds, then the sweep a minute on.
	for i := range 10000 {
		r.Rejected(t0.Add(time.Duration(i)*200*time.Microsecond), stormRejection("203.0.113.9", 20+i))
	}
	r.Sweep(t0.Add(time.Minute + 2*time.Second))

	lines := logs.lines(t)
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (first, summary): %v", len(lines), lines)
	}
	first, summary := lines[0], lines[1]
	want := map[string]any{"level": "WARN", "key": "203.0.113.9", "reason": "rate_limited_ip",
		"count": 20.0, "endpoint": "/ws/chat", "scope": "ip"}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("first line %s: got %v, want %v", k, first[k], v)
		}
	}
	if got := summary["rejected"]; got != 9999.0 {
		t.Errorf("summary rejected: got %v, want 9999", got)
	}
	if got := summary["count"]; got != 10019.0 {
		t.Errorf("summary count: got %v, want the latest count 10019", got)
	}
}

func TestRejectLogLongStormOneSummaryAMinute(t *testing.T) {
	logs, logger := newLogCapture()
	r := NewRejectLog(&LogThrottleOptions{Logger: logger})

	// 10,000 rejections over ten minutes, one every 60 ms.
	const n = 10000
	for i := range n {
		r.Rejected(t0.Add(time.Duration(i)*60*time.Millisecond), stormRejection("198.51.100.1", 21))
	}
	r.Sweep(t0.Add(time.Hour))

	lines := logs.lines(t)
	if len(lines) > 12 {
		t.Errorf("got %d lines, want at most 12 (one first, one a minute)", len(lines))
	}
	counted := 0
	for i, l := range lines {
		if i == 0 {
			counted++
			continue
		}
		counted += int(l["rejected"].(float64))
	}
	if counted != n {
		t.Errorf("lines account for %d rejections, want %d", counted, n)
	}
}

func TestRejectLogKeysAndEpisodes(t *testing.T) {
	logs, logger := newLogCapture()
	r := NewRejectLog(&LogThrottleOptions{Logger: logger, Quiet: 5 * time.Minute})

	userRej := Rejection{Scope: ScopeUser, IP: netip.MustParseAddr("192.0.2.1"),
		User: "alice", Endpoint: "/ws/chat", Reason: "rate_limited_user", Count: 21}
	steps := []struct {
		at        time.Duration
		rej       Rejection
		wantLines int
	}{
		{0, stormRejection("192.0.2.1", 21), 1},
		{time.Second, stormRejection("192.0.2.2", 21), 1}, // another key
		{2 * time.Second, userRej, 1},                     // the user scope is its own key
		{3 * time.Second, stormRejection("192.0.2.1", 22), 0},
		{10 * time.Minute, stormRejection("192.0.2.1", 1), 2}, // quiet: summary of the last, then a new first
	}
	before := 0
	for i, s := range steps {
		r.Rejected(t0.Add(s.at), s.rej)
		lines := logs.lines(t)
		if got := len(lines) - before; got != s.wantLines {
			t.Errorf("step %d: got %d new lines, want %d", i, got, s.wantLines)
		}
		before = len(lines)
	}
	lines := logs.lines(t)
	if got := lines[2]["key"]; got != "alice" {
		t.Errorf("user rejection key: got %v, want alice", got)
	}
}

func TestRejectLogBoundedMemory(t *testing.T) {
	_, logger := newLogCapture()
	r := NewRejectLog(&LogThrottleOptions{Logger: logger, MaxKeys: 64})
	for i := range 5000 {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		r.Rejected(t0, Rejection{Scope: ScopeIP, IP: ip, Reason: "bad_token"})
	}
	if got := r.t.len(); got > 64 {
		t.Errorf("got %d keys remembered, want at most 64", got)
	}
}

// TestLogThrottleAccountsForEveryEvent checks against a simple model that
// however events interleave over keys, time and evictions, every event is
// counted by exactly one line once everything is swept, and no key gets
// two lines within the interval unless a new episode or eviction began.
func TestLogThrottleAccountsForEveryEvent(t *testing.T) {
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 1))
		maxKeys := 16 * (1 + rng.IntN(3))
		th := newLogThrottle[int, int](time.Minute, 5*time.Minute, maxKeys)
		now := t0
		events, counted := 0, 0
		count := func(lines []throttleLine[int]) {
			for _, l := range lines {
				if l.first {
					counted++
				} else {
					counted += l.suppressed
				}
			}
		}
		for range 3000 {
			now = now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
			if rng.IntN(200) == 0 {
				count(th.sweep(now))
			}
			count(th.note(now, rng.IntN(100), 0, nil))
			events++
		}
		count(th.sweep(now.Add(time.Hour)))
		if counted != events {
			t.Errorf("seed %d: lines account for %d events, want %d", seed, counted, events)
		}
	}
}

func TestRejectLogStormDoesNotAllocate(t *testing.T) {
	_, logger := newLogCapture()
	r := NewRejectLog(&LogThrottleOptions{Logger: logger})
	rej := stormRejection("203.0.113.50", 30)
	r.Rejected(t0, rej)
	got := testing.AllocsPerRun(1000, func() { r.Rejected(t0.Add(time.Second), rej) })
	if got != 0 {
		t.Errorf("got %v allocations per suppressed rejection, want 0", got)
	}
}

func TestSuspiciousLog(t *testing.T) {
	logs, logger := newLogCapture()
	l := NewSuspiciousLog(&LogThrottleOptions{Logger: logger})
	s := Suspect{IP: netip.MustParseAddr("2001:db8::"), User: "mallory", Endpoint: "/ws/chat"}

	for i := range 1000 {
		l.Note(t0.Add(time.Duration(i)*time.Millisecond), PatternTokenReuse, s)
	}
	l.Note(t0, PatternForeignSessionToken, s)
	l.OriginMismatch(t0, s, "https://evil.example"+strings.Repeat("x", 500))
	l.Note(t0, PatternForeignEndpoint, s)
	l.Sweep(t0.Add(2 * time.Minute))

	lines := logs.lines(t)
	wantPatterns := []string{PatternTokenReuse, PatternForeignSessionToken,
		PatternOriginMismatch, PatternForeignEndpoint, PatternTokenReuse}
	if len(lines) != len(wantPatterns) {
		t.Fatalf("got %d lines, want %d: %v", len(lines), len(wantPatterns), lines)
	}
	for i, p := range wantPatterns {
		if got := lines[i]["pattern"]; got != p {
			t.Errorf("line %d pattern: got %v, want %s", i, got, p)
		}
		if lines[i]["ip"] != "2001:db8::" || lines[i]["user"] != "mallory" || lines[i]["level"] != "WARN" {
			t.Errorf("line %d: got %v, want a warning with ip and user", i, lines[i])
		}
	}
	if got := len(lines[2]["origin"].(string)); got != 200 {
		t.Errorf("origin logged: got %d bytes, want 200", got)
	}
	if got := lines[4]["count"]; got != 999.0 {
		t.Errorf("token reuse summary count: got %v, want 999", got)
	}
}

func TestLogsNilAreNoop(t *testing.T) {
	var r *RejectLog
	r.Rejected(t0, stormRejection("192.0.2.1", 1))
	r.Sweep(t0)
	var s *SuspiciousLog
	s.Note(t0, PatternTokenReuse, Suspect{})
	s.Sweep(t0)
}
