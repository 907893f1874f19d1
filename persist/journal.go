package persist

import (
	"context"
	"net/netip"
	"sync/atomic"
	"time"
)

// Attempt is one connection attempt for the journal. Its fields are values
// the caller already holds, so that enqueueing copies them and allocates
// nothing; the IP text is formatted on the writer goroutine.
type Attempt struct {
	At       time.Time
	Endpoint string
	IP       netip.Addr // the IP key's address (masked for IPv6 keys)
	User     string     // "" is NULL: anonymous
	Success  bool
	Reason   string // "ok", "rate_limited_ip", ...
}

// TokenIssue records one issued WebSocket token for the journal.
type TokenIssue struct {
	Hash      [32]byte // SHA-256 of the token
	User      string
	Session   string // "" is NULL: not bound to a session
	Endpoint  string // "" is NULL: valid on any endpoint
	CreatedAt time.Time
	ExpiresAt time.Time
}

// JournalOptions tunes [NewJournal]. The zero value and nil mean the
// defaults.
type JournalOptions struct {
	// QueueSize is how many entries may wait for the writer; beyond it
	// entries are dropped and counted. Default 65536 (about 9 MiB).
	QueueSize int
	// BatchSize is the most entries committed in one transaction.
	// Default 1024.
	BatchSize int
	// FlushInterval is the longest an accepted entry waits before its batch
	// is committed, and so the most a crash loses. Default 100ms.
	FlushInterval time.Duration
	// OnFlush, if set, is called on the writer goroutine after each
	// committed batch with its size and the time the commit took. It must
	// be quick: the writer waits for it.
	OnFlush func(rows int, took time.Duration)
	// OnError, if set, is called on the writer goroutine when a batch
	// cannot be committed; its rows are counted as dropped.
	OnError func(err error, rows int)
}

// Journal writes attempts and token events to the database through a
// bounded queue and one writer goroutine that commits in batches. Build it
// with [NewJournal]; all methods are safe for concurrent use and never
// block, except Close.
type Journal struct {
	queue chan entry
	opts  JournalOptions

	// gate counts senders inside an enqueue; Close adds gateClosed to it
	// and waits for the senders to leave, so no entry slips into the queue
	// after the writer's final drain.
	gate atomic.Int64

	written atomic.Uint64
	dropped atomic.Uint64

	closing chan context.Context // receives Close's context once
	done    chan error           // closed when the writer has returned
	closed  atomic.Bool          // Close has been called
	result  error                // the writer's final error, set before done closes
}

// gateClosed is added to Journal.gate by Close: far below any number of
// concurrent senders, so the gate reads negative from then on.
const gateClosed = -1 << 40

// entryKind tells the writer which statement an entry needs.
type entryKind uint8

const (
	kindAttempt entryKind = iota
	kindTokenIssued
	kindTokenUsed
)

// entry is one queued journal event: a flat value so that a send copies
// it without allocating. Times are Unix milliseconds.
type entry struct {
	kind    entryKind
	success bool
	at      int64 // attempt time, token creation or token use
	expires int64
	ip      netip.Addr
	hash    [32]byte
	s1      string // endpoint
	s2      string // user
	s3      string // reason, or the token's session
}

// NewJournal starts the writer goroutine for db. Call Close to flush and
// stop it before closing db.
func NewJournal(db *DB, opts *JournalOptions) *Journal {
	o := JournalOptions{}
	if opts != nil {
		o = *opts
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 65536
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1024
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 100 * time.Millisecond
	}
	j := &Journal{
		queue:   make(chan entry, o.QueueSize),
		opts:    o,
		closing: make(chan context.Context, 1),
		done:    make(chan error),
	}
	w := newWriter(db, j)
	go w.run()
	return j
}

// Attempt enqueues a connection attempt. It returns false when the entry
// was dropped (queue full or journal closed); drops are counted.
func (j *Journal) Attempt(a Attempt) bool {
	return j.enqueue(entry{
		kind:    kindAttempt,
		success: a.Success,
		at:      a.At.UnixMilli(),
		ip:      a.IP,
		s1:      a.Endpoint,
		s2:      a.User,
		s3:      a.Reason,
	})
}

// TokenIssued enqueues an issued token. It returns false when dropped.
func (j *Journal) TokenIssued(t TokenIssue) bool {
	return j.enqueue(entry{
		kind:    kindTokenIssued,
		at:      t.CreatedAt.UnixMilli(),
		expires: t.ExpiresAt.UnixMilli(),
		hash:    t.Hash,
		s1:      t.Endpoint,
		s2:      t.User,
		s3:      t.Session,
	})
}

// TokenUsed enqueues the use of a token: its used_at is set unless it was
// already used. Entries keep their order, so a use enqueued after its
// issue is written after it. It returns false when dropped.
func (j *Journal) TokenUsed(hash [32]byte, at time.Time) bool {
	return j.enqueue(entry{kind: kindTokenUsed, at: at.UnixMilli(), hash: hash})
}

// enqueue sends e without blocking, counting it as dropped when the queue
// is full or the journal closed.
func (j *Journal) enqueue(e entry) bool {
	ok := false
	if j.gate.Add(1) > 0 {
		select {
		case j.queue <- e:
			ok = true
		default:
		}
	}
	j.gate.Add(-1)
	if !ok {
		j.dropped.Add(1)
	}
	return ok
}

// Written returns how many entries have been committed.
func (j *Journal) Written() uint64 { return j.written.Load() }

// Dropped returns how many entries were refused (queue full, journal
// closed) or lost to a failed commit.
func (j *Journal) Dropped() uint64 { return j.dropped.Load() }

// QueueDepth returns how many entries wait for the writer.
func (j *Journal) QueueDepth() int { return len(j.queue) }

// Close stops accepting entries, commits everything accepted before it and
// stops the writer. If ctx ends first, the entries not yet committed are
// counted as dropped and ctx's error is returned. Entries enqueued after
// Close are dropped and counted. Calling Close again waits for the first.
func (j *Journal) Close(ctx context.Context) error {
	if j.closed.CompareAndSwap(false, true) {
		j.shut(ctx)
	}
	<-j.done
	return j.result
}

// shut closes the gate, waits for the senders inside it, and hands ctx to
// the writer for its final drain.
func (j *Journal) shut(ctx context.Context) {
	j.gate.Add(gateClosed)
	for j.gate.Load() != gateClosed {
		// A sender between its two gate updates is running a
		// non-blocking send: a few nanoseconds.
		yield()
	}
	j.closing <- ctx
}
