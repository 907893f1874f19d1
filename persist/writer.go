package persist

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"time"
)

// yield lets a sender that has entered enqueue but not yet sent finish.
func yield() { runtime.Gosched() }

// Statements of the journal writer.
const (
	insertAttemptSQL = `INSERT INTO connection_attempts (at, endpoint, ip, user, success, reason)
		VALUES (?, ?, ?, ?, ?, ?)`
	attemptValuesSQL = `, (?, ?, ?, ?, ?, ?)`
	insertTokenSQL   = `INSERT OR IGNORE INTO ws_tokens
		(token_hash, user, session, endpoint, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`
	useTokenSQL = `UPDATE ws_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`
)

// attemptsPerInsert is how many attempts one multi-row INSERT writes.
// Measured: rows of 16 or more double the rate of single-row INSERTs, the
// cost being the per-statement overhead of database/sql and cgo.
const attemptsPerInsert = 32

// writer is the journal's one goroutine: it owns a dedicated connection
// with its statements prepared once, and the batch being collected.
type writer struct {
	db    *DB
	j     *Journal
	batch []entry
	timer *time.Timer
	args  []any // reused arguments of the multi-row INSERT

	received uint64 // entries taken from the queue

	// lastIP and lastIPText cache the previous address's text: under
	// attack one address repeats.
	lastIP     netip.Addr
	lastIPText string

	conn  *sql.Conn // nil until the first commit
	stmts [3]*sql.Stmt
	multi *sql.Stmt // INSERT of attemptsPerInsert attempts
}

// newWriter returns the writer of j, ready to run.
func newWriter(db *DB, j *Journal) *writer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &writer{db: db, j: j, batch: make([]entry, 0, j.opts.BatchSize), timer: t,
		args: make([]any, 0, 6*attemptsPerInsert)}
}

// run collects batches until Close hands over its context, then drains.
// Close is looked for before every batch, so that under a full queue the
// drain, which honours Close's deadline, starts after at most one batch.
func (w *writer) run() {
	for {
		select {
		case ctx := <-w.j.closing:
			w.finish(w.drain(ctx))
			return
		default:
		}
		select {
		case e := <-w.j.queue:
			w.received++
			if ctx, closing := w.collect(e); closing {
				w.finish(w.drain(ctx))
				return
			}
		case ctx := <-w.j.closing:
			w.finish(w.drain(ctx))
			return
		}
	}
}

// finish releases the connection and reports the writer's end to Close.
func (w *writer) finish(err error) {
	w.release()
	w.j.result = err
	close(w.j.done)
}

// collect builds a batch starting with first until it is full or the flush
// interval has passed, and commits it. When Close arrives meanwhile it
// commits what it has and returns Close's context.
func (w *writer) collect(first entry) (context.Context, bool) {
	w.batch = append(w.batch[:0], first)
	w.timer.Reset(w.j.opts.FlushInterval)
	defer w.timer.Stop()
	for len(w.batch) < cap(w.batch) {
		if w.take() {
			continue
		}
		select {
		case e := <-w.j.queue:
			w.received++
			w.batch = append(w.batch, e)
		case <-w.timer.C:
			w.flush()
			return nil, false
		case ctx := <-w.j.closing:
			w.flush()
			return ctx, true
		}
	}
	w.flush()
	return nil, false
}

// take moves queued entries into the batch without blocking, up to its
// capacity, and reports whether it took any. Under load this is the path
// every entry takes: a plain receive is much cheaper than a 3-way select.
func (w *writer) take() bool {
	n := len(w.batch)
	for len(w.batch) < cap(w.batch) {
		select {
		case e := <-w.j.queue:
			w.received++
			w.batch = append(w.batch, e)
		default:
			return len(w.batch) > n
		}
	}
	return len(w.batch) > n
}

// drain commits everything accepted before Close: it takes from the queue
// until every sender that entered before Close has either sent or been
// refused. When ctx ends first, the rest is received and counted as lost.
func (w *writer) drain(ctx context.Context) error {
	var err error
	for {
		w.batch = w.batch[:0]
		w.take()
		if len(w.batch) == 0 {
			if w.j.settled(w.received) {
				return err
			}
			yield()
			continue
		}
		if err == nil && ctx.Err() != nil {
			err = fmt.Errorf("close journal: %w", ctx.Err())
		}
		if err != nil {
			w.j.lost.Add(uint64(len(w.batch)))
			continue
		}
		w.flush()
	}
}

// flush commits the batch in one transaction and counts the outcome.
func (w *writer) flush() {
	if len(w.batch) == 0 {
		return
	}
	start := time.Now()
	if err := w.commit(); err != nil {
		w.j.lost.Add(uint64(len(w.batch)))
		if w.j.opts.OnError != nil {
			w.j.opts.OnError(w.db.fail("write journal", err), len(w.batch))
		}
		return
	}
	w.j.written.Add(uint64(len(w.batch)))
	if w.j.opts.OnFlush != nil {
		w.j.opts.OnFlush(len(w.batch), time.Since(start))
	}
}

// commit writes the batch in one transaction. The statements run with a
// background context on purpose: go-sqlite3 starts a goroutine per
// statement to watch a cancellable one.
func (w *writer) commit() error {
	ctx := context.Background()
	if err := w.prepare(ctx); err != nil {
		return err
	}
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	for i := 0; i < len(w.batch); {
		n, err := w.write(ctx, w.batch[i:])
		if err != nil {
			w.conn.ExecContext(ctx, "ROLLBACK")
			return err
		}
		i += n
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		w.conn.ExecContext(ctx, "ROLLBACK")
		return err
	}
	return nil
}

// write executes the statement for the first entries of batch and returns
// how many it wrote: attemptsPerInsert attempts in a row at once, else one.
func (w *writer) write(ctx context.Context, batch []entry) (int, error) {
	if n := w.attemptRun(batch); n == attemptsPerInsert {
		w.args = w.args[:0]
		for i := range n {
			w.args = w.appendAttempt(w.args, &batch[i])
		}
		// Query, not Exec: go-sqlite3 binds a query's arguments and takes
		// its first step in one cgo call, where Exec makes one call per
		// argument; the INSERT runs in that first step. Measured: a third
		// less CPU per row.
		rows, err := w.multi.QueryContext(ctx, w.args...)
		if err != nil {
			return 0, err
		}
		return n, rows.Close()
	}

	var err error
	switch e := &batch[0]; e.kind {
	case kindAttempt:
		_, err = w.stmts[kindAttempt].ExecContext(ctx, w.appendAttempt(w.args[:0], e)...)
	case kindTokenIssued:
		_, err = w.stmts[kindTokenIssued].ExecContext(ctx,
			hex.EncodeToString(e.hash[:]), e.s2, nullString(e.s3), nullString(e.s1), e.at, e.expires)
	case kindTokenUsed:
		_, err = w.stmts[kindTokenUsed].ExecContext(ctx, e.at, hex.EncodeToString(e.hash[:]))
	}
	return 1, err
}

// attemptRun counts the attempts at the start of batch, up to
// attemptsPerInsert.
func (w *writer) attemptRun(batch []entry) int {
	n := 0
	for n < len(batch) && n < attemptsPerInsert && batch[n].kind == kindAttempt {
		n++
	}
	return n
}

// appendAttempt appends the INSERT arguments of one attempt.
func (w *writer) appendAttempt(args []any, e *entry) []any {
	return append(args, e.at, e.s1, w.ipText(e.ip), nullString(e.s2), e.success, e.s3)
}

// ipText is the journal's text for an address, IPv4-mapped IPv6 written
// as IPv4 as the limiter keys it; "" for none.
func (w *writer) ipText(ip netip.Addr) string {
	if !ip.IsValid() {
		return ""
	}
	ip = ip.Unmap()
	if ip != w.lastIP {
		w.lastIP, w.lastIPText = ip, ip.String()
	}
	return w.lastIPText
}

// prepare takes the writer's connection and prepares its statements, on
// the first commit (and on the next one if that failed).
func (w *writer) prepare(ctx context.Context) error {
	if w.conn != nil {
		return nil
	}
	conn, err := w.db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	for i, q := range []string{insertAttemptSQL, insertTokenSQL, useTokenSQL} {
		if w.stmts[i], err = conn.PrepareContext(ctx, q); err != nil {
			for _, s := range w.stmts[:i] {
				s.Close()
			}
			conn.Close()
			return err
		}
	}
	multi := insertAttemptSQL + strings.Repeat(attemptValuesSQL, attemptsPerInsert-1)
	if w.multi, err = conn.PrepareContext(ctx, multi); err != nil {
		for _, s := range w.stmts {
			s.Close()
		}
		conn.Close()
		return err
	}
	w.conn = conn
	return nil
}

// release closes the statements and returns the connection to the pool.
func (w *writer) release() {
	if w.conn == nil {
		return
	}
	for _, s := range w.stmts {
		s.Close()
	}
	w.multi.Close()
	w.conn.Close()
	w.conn = nil
}

// nullString maps "" to SQL NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
