package server

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// WindowStats is what the metrics read from one limiter scope
// (*limiter.Window satisfies it).
type WindowStats interface {
	Len() int
	Evictions() uint64
}

// JournalStats is what the metrics read from the journal
// (*persist.Journal satisfies it).
type JournalStats interface {
	Written() uint64
	Dropped() uint64
	QueueDepth() int
}

// DatabaseSizer is what the metrics read from the database
// (*persist.DB satisfies it).
type DatabaseSizer interface {
	SizeBytes(ctx context.Context) (int64, error)
}

// Limiter scopes, the scope label of wsgate_limiter_keys and
// wsgate_limiter_evictions_total.
const (
	ScopeIP   = "ip"
	ScopeUser = "user"
)

// metricSources holds the components whose own counters the metrics read
// at scrape time. They are attached after NewMetrics, as the server builds
// them.
type metricSources struct {
	clock   func() time.Time
	refresh time.Duration

	// mu guards windows, which is appended to at start and read per scrape.
	mu      sync.Mutex
	windows []scopedWindow

	journal atomic.Pointer[journalRef]
	db      atomic.Pointer[dbRef]

	// The database size is measured at most once per refresh interval.
	dbBytes     atomic.Int64
	dbMeasured  atomic.Int64 // unix nanoseconds; 0: never
	dbMeasuring atomic.Bool
}

type scopedWindow struct {
	scope string
	w     WindowStats
}

type journalRef struct{ j JournalStats }
type dbRef struct{ db DatabaseSizer }

func newMetricSources(reg *prometheus.Registry, clock func() time.Time,
	refresh time.Duration) *metricSources {
	s := &metricSources{clock: clock, refresh: refresh}
	reg.MustRegister(s,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "wsgate_journal_queue_depth",
			Help: "Journal entries waiting for the writer.",
		}, func() float64 { return float64(s.journalValue(queueDepth)) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "wsgate_journal_written_total",
			Help: "Journal entries committed to the database.",
		}, func() float64 { return float64(s.journalValue(written)) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "wsgate_journal_dropped_total",
			Help: "Journal entries dropped because the queue was full.",
		}, func() float64 { return float64(s.journalValue(dropped)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "wsgate_database_bytes",
			Help: "Size of the SQLite database and its WAL, measured at " +
				"most every few seconds.",
		}, func() float64 { return float64(s.databaseBytes()) }),
	)
	return s
}

// WatchWindow adds a limiter scope (ScopeIP or ScopeUser) to
// wsgate_limiter_keys and wsgate_limiter_evictions_total. Several windows
// of one scope (one per endpoint, the login limiter, ...) are summed: the
// metric is the memory the scope holds.
func (m *Metrics) WatchWindow(scope string, w WindowStats) {
	if m == nil || w == nil {
		return
	}
	s := m.sources
	s.mu.Lock()
	defer s.mu.Unlock()
	s.windows = append(s.windows, scopedWindow{scope: scope, w: w})
}

// WatchJournal makes the journal metrics read j.
func (m *Metrics) WatchJournal(j JournalStats) {
	if m == nil || j == nil {
		return
	}
	m.sources.journal.Store(&journalRef{j: j})
}

// WatchDatabase makes wsgate_database_bytes measure db.
func (m *Metrics) WatchDatabase(db DatabaseSizer) {
	if m == nil || db == nil {
		return
	}
	m.sources.db.Store(&dbRef{db: db})
	m.sources.dbMeasured.Store(0)
}

var (
	limiterKeysDesc = prometheus.NewDesc("wsgate_limiter_keys",
		"Keys held by the connect-attempt limiters, by scope.",
		[]string{"scope"}, nil)
	limiterEvictionsDesc = prometheus.NewDesc("wsgate_limiter_evictions_total",
		"Keys evicted from the limiters to stay within limiter_max_keys.",
		[]string{"scope"}, nil)
)

// Describe implements prometheus.Collector for the limiter metrics.
func (s *metricSources) Describe(ch chan<- *prometheus.Desc) {
	ch <- limiterKeysDesc
	ch <- limiterEvictionsDesc
}

// Collect implements prometheus.Collector for the limiter metrics: both
// scopes are always present, at zero when nothing is watched.
func (s *metricSources) Collect(ch chan<- prometheus.Metric) {
	for _, scope := range []string{ScopeIP, ScopeUser} {
		keys, evictions := s.limiterTotals(scope)
		ch <- prometheus.MustNewConstMetric(limiterKeysDesc,
			prometheus.GaugeValue, float64(keys), scope)
		ch <- prometheus.MustNewConstMetric(limiterEvictionsDesc,
			prometheus.CounterValue, float64(evictions), scope)
	}
}

// limiterTotals sums the watched windows of one scope. The windows are
// copied first so that no lock is held while calling into the limiter.
func (s *metricSources) limiterTotals(scope string) (keys int, evictions uint64) {
	s.mu.Lock()
	windows := append([]scopedWindow(nil), s.windows...)
	s.mu.Unlock()
	for _, w := range windows {
		if w.scope == scope {
			keys += w.w.Len()
			evictions += w.w.Evictions()
		}
	}
	return keys, evictions
}

type journalField int

const (
	queueDepth journalField = iota
	written
	dropped
)

func (s *metricSources) journalValue(f journalField) uint64 {
	ref := s.journal.Load()
	if ref == nil {
		return 0
	}
	switch f {
	case queueDepth:
		return uint64(max(ref.j.QueueDepth(), 0))
	case written:
		return ref.j.Written()
	default:
		return ref.j.Dropped()
	}
}

// databaseBytes returns the database size, measuring it again when the
// last measure is older than the refresh interval. One caller measures;
// concurrent callers get the previous value rather than waiting.
func (s *metricSources) databaseBytes() int64 {
	ref := s.db.Load()
	if ref == nil {
		return 0
	}
	now := s.clock()
	last := s.dbMeasured.Load()
	if last != 0 && now.Sub(time.Unix(0, last)) < s.refresh {
		return s.dbBytes.Load()
	}
	if !s.dbMeasuring.CompareAndSwap(false, true) {
		return s.dbBytes.Load()
	}
	defer s.dbMeasuring.Store(false)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if n, err := ref.db.SizeBytes(ctx); err == nil {
		s.dbBytes.Store(n)
	}
	s.dbMeasured.Store(now.UnixNano())
	return s.dbBytes.Load()
}
