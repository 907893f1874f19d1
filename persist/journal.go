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

	// entered counts enqueue calls, and Close sets its closedBit. Every
	// call that entered ends up either received by the writer or counted
	// in refused, so the writer's final drain knows when no sender is
	// still on its way: received + refused == entered without the bit.
	// One atomic add per enqueue, where a gate around the send took two.
	entered atomic.Uint64
	refused atomic.Uint64 // enqueue calls that found the queue full or closed

	written atomic.Uint64
	lost    atomic.Uint64 // accepted entries whose commit failed or was cut short by Close

	closing chan context.Context // receives Close's context once
	done    chan error           // closed when the writer has returned
	closed  atomic.Bool          // Close has been called
	result  error                // the writer's final error, set before done closes
}

// closedBit is set in Journal.entered by Close.
const closedBit = 1 << 63

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

// enqueue sends e without blocking, counting it as refused when the queue
// is full or the journal closed.
func (j *Journal) enqueue(e entry) bool {
	if j.entered.Add(1)&closedBit != 0 {
		j.refused.Add(1)
		return false
	}
	select {
	case j.queue <- e:
		return true
	default:
		j.refused.Add(1)
		return false
	}
}

// settled reports whether every enqueue call has finished, given how many
// entries the writer has received. Valid once closedBit is set; refused is
// read before entered so that a sender between the two reads can only make
// it answer false.
func (j *Journal) settled(received uint64) bool {
	refused := j.refused.Load()
	return received+refused == j.entered.Load()&^closedBit
}

// Written returns how many entries have been committed.
func (j *Journal) Written() uint64 { return j.written.Load() }

// Dropped returns how many entries were refused (queue full, journal
// closed) or lost to a failed commit.
func (j *Journal) Dropped() uint64 { return j.refused.Load() + j.lost.Load() }

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

// shut refuses further entries and hands ctx to the writer for its final
// drain.
func (j *Journal) shut(ctx context.Context) {
	j.entered.Or(closedBit)
	j.closing <- ctx
}
