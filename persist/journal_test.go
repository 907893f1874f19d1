package persist

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// closeJournal closes j with a generous deadline and fails on error.
func closeJournal(t testing.TB, j *Journal) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := j.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestJournalAttemptRoundTrip(t *testing.T) {
	db := openTest(t)
	j := NewJournal(db, nil)
	at := time.UnixMilli(1_790_000_000_123)
	sent := []Attempt{
		{At: at, Endpoint: "/ws/chat", IP: netip.MustParseAddr("198.51.100.4"), User: "alice", Success: true, Reason: "ok"},
		{At: at.Add(time.Millisecond), Endpoint: "/ws/echo", IP: netip.MustParseAddr("2001:db8:1:2::"), Reason: "rate_limited_ip"},
		{At: at.Add(2 * time.Millisecond), Endpoint: "/ws/echo", Reason: "forbidden_origin"},
		{At: at.Add(3 * time.Millisecond), Endpoint: "/ws/echo", IP: netip.MustParseAddr("::ffff:192.0.2.8"), Reason: "ok",
			Success: true},
	}
	for _, a := range sent {
		if !j.Attempt(a) {
			t.Fatalf("Attempt(%v) dropped", a)
		}
	}
	closeJournal(t, j)

	rows, err := db.sql.Query(`SELECT at, endpoint, ip, user, success, reason FROM connection_attempts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var at, success int64
		var endpoint, ip, reason string
		var user sql.NullString
		if err := rows.Scan(&at, &endpoint, &ip, &user, &success, &reason); err != nil {
			t.Fatal(err)
		}
		a := sent[i]
		wantIP := ""
		if a.IP.IsValid() {
			wantIP = a.IP.Unmap().String()
		}
		wantSuccess := int64(0)
		if a.Success {
			wantSuccess = 1
		}
		if at != a.At.UnixMilli() || endpoint != a.Endpoint || ip != wantIP || reason != a.Reason ||
			user.Valid != (a.User != "") || user.String != a.User || success != wantSuccess {
			t.Errorf("row %d: got %d %s %q %v %d %s, want %+v", i, at, endpoint, ip, user, success, reason, a)
		}
	}
	if i != len(sent) {
		t.Errorf("got %d rows, want %d", i, len(sent))
	}
	if got := j.Written(); got != uint64(len(sent)) {
		t.Errorf("Written: got %d, want %d", got, len(sent))
	}
}

func TestJournalTokens(t *testing.T) {
	db := openTest(t)
	j := NewJournal(db, nil)
	now := time.UnixMilli(1_790_000_000_000)
	bound := TokenIssue{Hash: sha256.Sum256([]byte("a")), User: "alice", Session: "s1", Endpoint: "/ws/chat",
		CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	free := TokenIssue{Hash: sha256.Sum256([]byte("b")), User: "bob", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	used := TokenIssue{Hash: sha256.Sum256([]byte("c")), User: "bob", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	expired := TokenIssue{Hash: sha256.Sum256([]byte("d")), User: "bob", CreatedAt: now.Add(-time.Hour),
		ExpiresAt: now.Add(-time.Minute)}
	for _, tk := range []TokenIssue{bound, free, used, expired} {
		j.TokenIssued(tk)
	}
	j.TokenUsed(used.Hash, now.Add(time.Second))
	j.TokenUsed(used.Hash, now.Add(2*time.Second)) // a second use keeps the first time
	closeJournal(t, j)

	var got []TokenRow
	err := db.ValidTokens(context.Background(), now, func(r TokenRow) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d valid tokens, want 2 (bound, free): %+v", len(got), got)
	}
	for _, r := range got {
		want := free
		if r.Hash == bound.Hash {
			want = bound
		}
		if r.Hash != want.Hash || r.User != want.User || r.Session != want.Session || r.Endpoint != want.Endpoint ||
			!r.CreatedAt.Equal(want.CreatedAt) || !r.ExpiresAt.Equal(want.ExpiresAt) {
			t.Errorf("got %+v, want %+v", r, want)
		}
	}
	var usedAt sql.NullInt64
	var session, endpoint sql.NullString
	db.sql.QueryRow(`SELECT used_at, session, endpoint FROM ws_tokens WHERE user = 'bob' AND created_at = ? AND used_at IS NOT NULL`,
		now.UnixMilli()).Scan(&usedAt, &session, &endpoint)
	if usedAt.Int64 != now.Add(time.Second).UnixMilli() || session.Valid || endpoint.Valid {
		t.Errorf("used token: got used_at %v session %v endpoint %v, want %d and NULLs",
			usedAt, session, endpoint, now.Add(time.Second).UnixMilli())
	}
}

func TestIssuedTokens(t *testing.T) {
	db := openTest(t)
	j := NewJournal(db, nil)
	now := time.UnixMilli(1_700_000_000_000)
	old := TokenIssue{Hash: sha256.Sum256([]byte("old")), User: "ann", CreatedAt: now.Add(-time.Minute),
		ExpiresAt: now}
	recent := TokenIssue{Hash: sha256.Sum256([]byte("new")), User: "ann", CreatedAt: now.Add(-time.Second),
		ExpiresAt: now.Add(time.Minute)}
	j.TokenIssued(old)
	j.TokenIssued(recent)
	j.TokenUsed(recent.Hash, now)
	closeJournal(t, j)

	var got [][32]byte
	err := db.IssuedTokens(context.Background(), now.Add(-time.Minute), func(r TokenRow) error {
		got = append(got, r.Hash)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != recent.Hash {
		t.Errorf("got %d tokens issued after the cutoff, want only the recent (used) one", len(got))
	}
}

func TestJournalDropsWhenFull(t *testing.T) {
	db := openTest(t)
	// Hold the write lock so the writer cannot drain the queue.
	blocker := lockWrites(t, db)
	j := NewJournal(db, &JournalOptions{QueueSize: 4, BatchSize: 1})
	accepted := 0
	for range 100 {
		if j.Attempt(Attempt{At: time.Now(), Endpoint: "/e", Reason: "ok"}) {
			accepted++
		}
	}
	if accepted == 100 || j.Dropped() != uint64(100-accepted) {
		t.Errorf("got %d accepted, %d dropped; want some dropped and all refusals counted", accepted, j.Dropped())
	}
	blocker()
	closeJournal(t, j)
	if got := count(t, db, "SELECT count(*) FROM connection_attempts"); got != int64(accepted) {
		t.Errorf("got %d rows, want the %d accepted", got, accepted)
	}
}

// lockWrites holds a write transaction on a second connection until the
// returned function is called.
func lockWrites(t testing.TB, db *DB) (release func()) {
	t.Helper()
	conn, err := db.sql.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
		})
	}
	t.Cleanup(release)
	return release
}

func TestJournalCloseFlushesEverything(t *testing.T) {
	db := openTest(t)
	var mu sync.Mutex
	flushed := 0
	j := NewJournal(db, &JournalOptions{FlushInterval: time.Hour, BatchSize: 100,
		OnFlush: func(rows int, _ time.Duration) { mu.Lock(); flushed += rows; mu.Unlock() }})
	const senders, each = 4, 2500
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for range each {
				for !j.Attempt(Attempt{At: time.Now(), Endpoint: "/e", Reason: "ok"}) {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	drops := j.Dropped()
	closeJournal(t, j)
	if got := count(t, db, "SELECT count(*) FROM connection_attempts"); got != senders*each {
		t.Errorf("got %d rows, want %d", got, senders*each)
	}
	if j.Written() != senders*each || flushed != senders*each || j.QueueDepth() != 0 {
		t.Errorf("got written %d, flushed %d, depth %d; want %d, %d, 0",
			j.Written(), flushed, j.QueueDepth(), senders*each, senders*each)
	}
	if !j.Attempt(Attempt{}) && j.Dropped() != drops+1 {
		t.Errorf("after Close: got %d dropped, want %d", j.Dropped(), drops+1)
	}
	if j.Attempt(Attempt{}) || j.TokenIssued(TokenIssue{}) || j.TokenUsed([32]byte{}, time.Now()) {
		t.Error("enqueue after Close: got accepted, want dropped")
	}
	if err := j.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestJournalCloseRacingSenders checks that an entry is either written or
// counted as dropped when Close runs while senders are still enqueueing.
func TestJournalCloseRacingSenders(t *testing.T) {
	db := openTest(t)
	j := NewJournal(db, &JournalOptions{BatchSize: 64})
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range 4 {
		wg.Go(func() {
			n := 0
			for range 3000 {
				if j.Attempt(Attempt{At: time.Now(), Endpoint: "/e", Reason: "ok"}) {
					n++
				}
			}
			mu.Lock()
			accepted += n
			mu.Unlock()
		})
	}
	time.Sleep(time.Millisecond) // let some senders in; correctness does not depend on it
	closeJournal(t, j)
	wg.Wait()
	rows := count(t, db, "SELECT count(*) FROM connection_attempts")
	if rows != int64(accepted) || j.Written() != uint64(accepted) || uint64(accepted)+j.Dropped() != 4*3000 {
		t.Errorf("got %d rows, %d written, %d accepted, %d dropped; want rows = written = accepted, accepted+dropped = %d",
			rows, j.Written(), accepted, j.Dropped(), 4*3000)
	}
}

func TestJournalCloseDeadline(t *testing.T) {
	db := openTest(t)
	release := lockWrites(t, db)
	j := NewJournal(db, &JournalOptions{BatchSize: 10, FlushInterval: time.Millisecond})
	for range 100 {
		j.Attempt(Attempt{At: time.Now(), Endpoint: "/e", Reason: "ok"})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error)
	go func() { done <- j.Close(ctx) }()
	// The writer is stuck behind the lock until its busy timeout; free it
	// after the deadline so that the rest is counted, not written.
	<-ctx.Done()
	release()
	err := <-done
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close: got %v, want deadline exceeded", err)
	}
	if j.Written()+j.Dropped() != 100 || j.Dropped() == 0 {
		t.Errorf("got %d written + %d dropped, want 100 with some dropped", j.Written(), j.Dropped())
	}
}

func TestJournalFlushError(t *testing.T) {
	db := openTest(t)
	if _, err := db.sql.Exec("DROP TABLE connection_attempts"); err != nil {
		t.Fatal(err)
	}
	var gotErr error
	var gotRows int
	j := NewJournal(db, &JournalOptions{OnError: func(err error, rows int) { gotErr, gotRows = err, rows }})
	j.Attempt(Attempt{At: time.Now(), Endpoint: "/e", Reason: "ok"})
	closeJournal(t, j)
	if gotErr == nil || gotRows != 1 || j.Dropped() != 1 || j.Written() != 0 {
		t.Errorf("got OnError(%v, %d), dropped %d, written %d; want an error for 1 dropped row",
			gotErr, gotRows, j.Dropped(), j.Written())
	}
}

func TestJournalFlushesByInterval(t *testing.T) {
	db := openTest(t)
	flushed := make(chan int, 10)
	j := NewJournal(db, &JournalOptions{FlushInterval: 5 * time.Millisecond,
		OnFlush: func(rows int, _ time.Duration) { flushed <- rows }})
	defer closeJournal(t, j)
	j.Attempt(Attempt{At: time.Now(), Endpoint: "/e", Reason: "ok"})
	select {
	case n := <-flushed:
		if n != 1 {
			t.Errorf("got a flush of %d rows, want 1", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no flush within 10s of a 5ms interval")
	}
}

func TestEnqueueAllocs(t *testing.T) {
	j := &Journal{queue: make(chan entry, 1<<20)}
	a := benchAttempt
	tk := TokenIssue{User: "alice", Session: "s", Endpoint: "/ws/chat", CreatedAt: time.Now(), ExpiresAt: time.Now()}
	for name, fn := range map[string]func(){
		"Attempt":     func() { j.Attempt(a) },
		"TokenIssued": func() { j.TokenIssued(tk) },
		"TokenUsed":   func() { j.TokenUsed(tk.Hash, tk.CreatedAt) },
	} {
		if got := testing.AllocsPerRun(1000, fn); got != 0 {
			t.Errorf("%s: got %v allocations, want 0", name, got)
		}
	}
	full := &Journal{queue: make(chan entry)}
	if got := testing.AllocsPerRun(1000, func() { full.Attempt(a) }); got != 0 {
		t.Errorf("dropping: got %v allocations, want 0", got)
	}
}

// TestJournalCloseStopsWriter checks that Close leaves no goroutine behind,
// after a busy journal and after an idle one.
func TestJournalCloseStopsWriter(t *testing.T) {
	db := openTest(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	busy := NewJournal(db, &JournalOptions{BatchSize: 7, FlushInterval: time.Millisecond})
	for range 100 {
		busy.Attempt(Attempt{At: time.Now(), Endpoint: "/e", Reason: "ok"})
	}
	closeJournal(t, busy)
	closeJournal(t, NewJournal(db, nil))
}
