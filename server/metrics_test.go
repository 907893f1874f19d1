package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// specMetrics are the metrics SPEC section 7 requires, with their labels.
var specMetrics = map[string][]string{
	"wsgate_connect_attempts_total":     {"endpoint", "result"},
	"wsgate_token_requests_total":       {"result"},
	"wsgate_connections":                {"endpoint"},
	"wsgate_messages_total":             {"endpoint", "direction"},
	"wsgate_limiter_keys":               {"scope"},
	"wsgate_limiter_evictions_total":    {"scope"},
	"wsgate_reconnect_interval_seconds": nil,
	"wsgate_journal_queue_depth":        nil,
	"wsgate_journal_written_total":      nil,
	"wsgate_journal_dropped_total":      nil,
	"wsgate_journal_flush_seconds":      nil,
	"wsgate_database_bytes":             nil,
	"wsgate_client_errors_total":        {"kind"},
}

type fakeWindow struct {
	keys      int
	evictions uint64
}

func (w fakeWindow) Len() int          { return w.keys }
func (w fakeWindow) Evictions() uint64 { return w.evictions }

type fakeJournal struct{ written, dropped, depth int }

func (j fakeJournal) Written() uint64 { return uint64(j.written) }
func (j fakeJournal) Dropped() uint64 { return uint64(j.dropped) }
func (j fakeJournal) QueueDepth() int { return j.depth }

type fakeDB struct{ calls *int }

func (d fakeDB) SizeBytes(context.Context) (int64, error) {
	*d.calls++
	return int64(4096 * *d.calls), nil
}

// scrapeURL fetches a /metrics answer over HTTP and parses it.
func scrapeURL(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: got status %d, want 200", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse scrape: %v", err)
	}
	return fams
}

// scrapeMetrics serves m.Handler on a loopback server and scrapes it.
func scrapeMetrics(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	return scrapeURL(t, srv.URL)
}

// sampleValue returns the value of the series of name with exactly the
// given labels (a histogram's sample count), and whether it exists.
func sampleValue(fams map[string]*dto.MetricFamily, name string,
	labels map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, mt := range f.GetMetric() {
		if !labelsEqual(mt.GetLabel(), labels) {
			continue
		}
		switch {
		case mt.Counter != nil:
			return mt.Counter.GetValue(), true
		case mt.Gauge != nil:
			return mt.Gauge.GetValue(), true
		case mt.Histogram != nil:
			return float64(mt.Histogram.GetSampleCount()), true
		case mt.Untyped != nil:
			return mt.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func labelsEqual(got []*dto.LabelPair, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, l := range got {
		if v, ok := want[l.GetName()]; !ok || v != l.GetValue() {
			return false
		}
	}
	return true
}

func TestMetricsScrapeHasEverySpecMetric(t *testing.T) {
	calls := 0
	m := NewMetrics(&MetricsOptions{Endpoints: []string{"/ws/chat", "/ws/echo"}})
	m.WatchWindow(ScopeIP, fakeWindow{keys: 3, evictions: 1})
	m.WatchWindow(ScopeIP, fakeWindow{keys: 4, evictions: 2})
	m.WatchWindow(ScopeUser, fakeWindow{keys: 5})
	m.WatchJournal(fakeJournal{written: 7, dropped: 2, depth: 9})
	m.WatchDatabase(fakeDB{calls: &calls})
	m.JournalFlushed(10, 3*time.Millisecond)

	fams := scrapeMetrics(t, m)
	for name, labels := range specMetrics {
		f := fams[name]
		if f == nil || len(f.GetMetric()) == 0 {
			t.Errorf("metric %s: missing from the scrape", name)
			continue
		}
		for _, mt := range f.GetMetric() {
			want := append([]string(nil), labels...)
			slices.Sort(want)
			if got := labelNames(mt.GetLabel()); got != strings.Join(want, ",") {
				t.Errorf("metric %s: got labels %q, want %q", name, got, labels)
			}
		}
	}
	for _, prefix := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if fams[prefix] == nil {
			t.Errorf("metric %s: missing (runtime and process collectors)", prefix)
		}
	}

	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"wsgate_limiter_keys", map[string]string{"scope": "ip"}, 7},
		{"wsgate_limiter_evictions_total", map[string]string{"scope": "ip"}, 3},
		{"wsgate_limiter_keys", map[string]string{"scope": "user"}, 5},
		{"wsgate_journal_written_total", nil, 7},
		{"wsgate_journal_dropped_total", nil, 2},
		{"wsgate_journal_queue_depth", nil, 9},
		{"wsgate_journal_flush_seconds", nil, 1},
		{"wsgate_database_bytes", nil, 4096},
	}
	for _, c := range checks {
		got, ok := sampleValue(fams, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v: got %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
}

func labelNames(pairs []*dto.LabelPair) string {
	names := make([]string, 0, len(pairs))
	for _, l := range pairs {
		names = append(names, l.GetName())
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

func TestMetricsCountSequence(t *testing.T) {
	m := NewMetrics(&MetricsOptions{Endpoints: []string{"/ws/chat", "/ws/echo"}})
	chat, echo := m.Endpoint("/ws/chat"), m.Endpoint("/ws/echo")
	sequence := []struct {
		e      *EndpointMetrics
		result string
		since  time.Duration
	}{
		{chat, "ok", 0},
		{chat, "ok", time.Second},
		{chat, "rate_limited_ip", 10 * time.Millisecond},
		{chat, "bad_token", 0},
		{echo, "ok", 0},
		{echo, "rate_limited_ip", 5 * time.Millisecond},
		{echo, "rate_limited_ip", 5 * time.Millisecond},
		{m.Endpoint("/ws/nope"), "ok", 0},
		{chat, "made_up_reason", 0},
	}
	for _, s := range sequence {
		s.e.Attempt(s.result, s.since)
	}
	m.TokenRequest("ok")
	m.TokenRequest("rate_limited")
	m.TokenRequest("rate_limited")
	m.ClientError("giveup")
	m.ClientError("<script>")

	fams := scrapeMetrics(t, m)
	want := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"wsgate_connect_attempts_total", map[string]string{"endpoint": "/ws/chat", "result": "ok"}, 2},
		{"wsgate_connect_attempts_total", map[string]string{"endpoint": "/ws/chat", "result": "rate_limited_ip"}, 1},
		{"wsgate_connect_attempts_total", map[string]string{"endpoint": "/ws/chat", "result": "bad_token"}, 1},
		{"wsgate_connect_attempts_total", map[string]string{"endpoint": "/ws/chat", "result": "other"}, 1},
		{"wsgate_connect_attempts_total", map[string]string{"endpoint": "/ws/chat", "result": "rate_limited_user"}, 0},
		{"wsgate_connect_attempts_total", map[string]string{"endpoint": "/ws/echo", "result": "ok"}, 1},
		{"wsgate_connect_attempts_total", map[string]string{"endpoint": "/ws/echo", "result": "rate_limited_ip"}, 2},
		{"wsgate_connect_attempts_total", map[string]string{"endpoint": "other", "result": "ok"}, 1},
		{"wsgate_reconnect_interval_seconds", nil, 4},
		{"wsgate_token_requests_total", map[string]string{"result": "ok"}, 1},
		{"wsgate_token_requests_total", map[string]string{"result": "rate_limited"}, 2},
		{"wsgate_client_errors_total", map[string]string{"kind": "giveup"}, 1},
		{"wsgate_client_errors_total", map[string]string{"kind": "other"}, 1},
	}
	for _, w := range want {
		got, ok := sampleValue(fams, w.name, w.labels)
		if !ok || got != w.want {
			t.Errorf("%s%v: got %v (present %v), want %v", w.name, w.labels, got, ok, w.want)
		}
	}
}

func TestMetricsObserver(t *testing.T) {
	m := NewMetrics(&MetricsOptions{Endpoints: []string{"/ws/chat"}})
	m.Opened("/ws/chat")
	m.Opened("/ws/chat")
	m.Opened("/ws/chat")
	m.Closed("/ws/chat", 1000)
	m.Closed("/ws/chat", 4999)
	m.MessageIn("/ws/chat")
	m.MessageOut("/ws/chat", 5)
	m.Violation("/ws/chat", "bad_json")
	m.Violation("/ws/chat", "203.0.113.1")
	m.SlowConsumer("/ws/chat")

	fams := scrapeMetrics(t, m)
	want := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"wsgate_connections", map[string]string{"endpoint": "/ws/chat"}, 1},
		{"wsgate_connections_closed_total", map[string]string{"endpoint": "/ws/chat", "code": "1000"}, 1},
		{"wsgate_connections_closed_total", map[string]string{"endpoint": "/ws/chat", "code": "other"}, 1},
		{"wsgate_messages_total", map[string]string{"endpoint": "/ws/chat", "direction": "in"}, 1},
		{"wsgate_messages_total", map[string]string{"endpoint": "/ws/chat", "direction": "out"}, 5},
		{"wsgate_protocol_violations_total", map[string]string{"endpoint": "/ws/chat", "reason": "bad_json"}, 1},
		{"wsgate_protocol_violations_total", map[string]string{"endpoint": "/ws/chat", "reason": "other"}, 1},
		{"wsgate_slow_consumers_total", map[string]string{"endpoint": "/ws/chat"}, 1},
	}
	for _, w := range want {
		got, ok := sampleValue(fams, w.name, w.labels)
		if !ok || got != w.want {
			t.Errorf("%s%v: got %v (present %v), want %v", w.name, w.labels, got, ok, w.want)
		}
	}
}

// TestMetricsLabelsCarryNoClient feeds client-shaped strings everywhere a
// caller passes a string and checks that none reaches a label.
func TestMetricsLabelsCarryNoClient(t *testing.T) {
	m := NewMetrics(&MetricsOptions{Endpoints: []string{"/ws/chat"}})
	hostile := []string{"203.0.113.7", "2001:db8::1", "alice", "0123abcd" + strings.Repeat("f", 56)}
	for _, s := range hostile {
		m.Endpoint(s).Attempt(s, time.Second)
		m.TokenRequest(s)
		m.Login(s)
		m.ClientError(s)
		m.Opened(s)
		m.MessageIn(s)
		m.Violation(s, s)
	}
	assertNoClientLabels(t, scrapeMetrics(t, m), hostile)
}

// assertNoClientLabels fails when a label value of a wsgate metric is an
// IP address or contains one of the given client strings.
func assertNoClientLabels(t *testing.T, fams map[string]*dto.MetricFamily, client []string) {
	t.Helper()
	for name, f := range fams {
		if !strings.HasPrefix(name, "wsgate_") {
			continue
		}
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				v := l.GetValue()
				if _, err := netip.ParseAddr(v); err == nil {
					t.Errorf("%s: label %s=%q is an IP address", name, l.GetName(), v)
				}
				for _, c := range client {
					if strings.Contains(v, c) {
						t.Errorf("%s: label %s=%q carries %q", name, l.GetName(), v, c)
					}
				}
			}
		}
	}
}

func TestMetricsHotPathAllocs(t *testing.T) {
	m := NewMetrics(&MetricsOptions{Endpoints: []string{"/ws/chat", "/ws/echo"}})
	e := m.Endpoint("/ws/echo")
	paths := []struct {
		name string
		fn   func()
	}{
		{"Endpoint+Attempt", func() { m.Endpoint("/ws/chat").Attempt("rate_limited_user", time.Second) }},
		{"Attempt", func() { e.Attempt("ok", 0) }},
		{"TokenRequest", func() { m.TokenRequest("rate_limited") }},
		{"ClientError", func() { m.ClientError("giveup") }},
		{"Opened+Closed", func() { m.Opened("/ws/echo"); m.Closed("/ws/echo", 4429) }},
		{"Messages", func() { m.MessageIn("/ws/echo"); m.MessageOut("/ws/echo", 3) }},
		{"Violation", func() { m.Violation("/ws/echo", "rate_limited") }},
		{"JournalFlushed", func() { m.JournalFlushed(5, time.Millisecond) }},
	}
	for _, p := range paths {
		if got := testing.AllocsPerRun(1000, p.fn); got != 0 {
			t.Errorf("%s: got %v allocations, want 0", p.name, got)
		}
	}
}

func TestMetricsNilIsNoop(t *testing.T) {
	var m *Metrics
	m.Endpoint("/ws/chat").Attempt("ok", time.Second)
	m.TokenRequest("ok")
	m.Login("ok")
	m.ClientError("giveup")
	m.Opened("/ws/chat")
	m.Closed("/ws/chat", 1000)
	m.MessageIn("/ws/chat")
	m.MessageOut("/ws/chat", 1)
	m.Violation("/ws/chat", "x")
	m.SlowConsumer("/ws/chat")
	m.JournalFlushed(1, time.Millisecond)
	m.WatchWindow(ScopeIP, fakeWindow{})
	m.WatchJournal(fakeJournal{})
	m.WatchDatabase(fakeDB{})
}

func TestMetricsDatabaseSizeIsCached(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	calls := 0
	m := NewMetrics(&MetricsOptions{
		DatabaseRefresh: 10 * time.Second,
		Clock:           func() time.Time { return now },
	})
	m.WatchDatabase(fakeDB{calls: &calls})

	steps := []struct {
		advance   time.Duration
		wantBytes int64
		wantCalls int
	}{
		{0, 4096, 1},
		{5 * time.Second, 4096, 1},
		{5 * time.Second, 8192, 2},
		{time.Second, 8192, 2},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := m.Snapshot().DatabaseBytes; got != s.wantBytes {
			t.Errorf("step %d: got %d bytes, want %d", i, got, s.wantBytes)
		}
		if calls != s.wantCalls {
			t.Errorf("step %d: got %d measures, want %d", i, calls, s.wantCalls)
		}
	}
}

func TestMetricsSnapshot(t *testing.T) {
	m := NewMetrics(&MetricsOptions{Endpoints: []string{"/ws/chat", "/ws/echo"}})
	m.Endpoint("/ws/chat").Attempt("ok", 0)
	m.Endpoint("/ws/chat").Attempt("rate_limited_ip", 0)
	m.Opened("/ws/chat")
	m.MessageOut("/ws/chat", 2)
	m.TokenRequest("ok")
	m.WatchWindow(ScopeUser, fakeWindow{keys: 2, evictions: 1})
	m.WatchJournal(fakeJournal{written: 3})
	m.Endpoint("/ws/chat").Attempt("ok", 300*time.Millisecond)
	m.Endpoint("/ws/chat").Attempt("ok", 20*time.Second)
	m.Violation("/ws/chat", "bad_json")

	s := m.Snapshot()
	if got := s.Violations["/ws/chat"]["bad_json"]; got != 1 {
		t.Errorf("violations bad_json: got %v, want 1", got)
	}
	r := s.Reconnects
	if r.Count != 2 || r.Sum != 20.3 || len(r.Buckets) != len(reconnectBuckets) {
		t.Fatalf("reconnects: got %+v, want 2 observations summing 20.3 s in %d buckets", r, len(reconnectBuckets))
	}
	for _, b := range r.Buckets {
		want := uint64(0)
		switch {
		case b.LE >= 20:
			want = 2
		case b.LE >= 0.3:
			want = 1
		}
		if b.Count != want {
			t.Errorf("reconnect bucket le=%v: got %d, want %d", b.LE, b.Count, want)
		}
	}
	if got := s.ConnectAttempts["/ws/chat"]["ok"]; got != 3 {
		t.Errorf("attempts ok: got %v, want 3", got)
	}
	if got := s.ConnectAttempts["/ws/chat"]["rate_limited_ip"]; got != 1 {
		t.Errorf("attempts rate_limited_ip: got %v, want 1", got)
	}
	if _, ok := s.ConnectAttempts["/ws/echo"]; ok {
		t.Errorf("attempts /ws/echo: got an entry, want none (all zero)")
	}
	if got, ok := s.Connections["/ws/echo"]; !ok || got != 0 {
		t.Errorf("connections /ws/echo: got %v (present %v), want 0", got, ok)
	}
	if got := s.Connections["/ws/chat"]; got != 1 {
		t.Errorf("connections /ws/chat: got %v, want 1", got)
	}
	if got := s.Messages["/ws/chat"]["out"]; got != 2 {
		t.Errorf("messages out: got %v, want 2", got)
	}
	if got := s.Limiter[ScopeUser]; got != (LimiterStats{Keys: 2, Evictions: 1}) {
		t.Errorf("limiter user: got %+v, want 2 keys, 1 eviction", got)
	}
	if got := s.Journal.Written; got != 3 {
		t.Errorf("journal written: got %d, want 3", got)
	}
}
