package persist

import (
	"context"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
	"time"
)

// TestCleanupBoundary: rows strictly before a cutoff go, a row exactly at
// it stays.
func TestCleanupBoundary(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	cut := base
	j := NewJournal(db, nil)
	for _, at := range []time.Time{cut.Add(-time.Millisecond), cut, cut.Add(time.Millisecond)} {
		j.Attempt(Attempt{At: at, Endpoint: "/e", IP: ipA, Reason: "ok"})
		j.TokenIssued(TokenIssue{Hash: sha256.Sum256([]byte(at.String())), User: "u", CreatedAt: at, ExpiresAt: at})
	}
	closeJournal(t, j)

	dry, err := db.Cleanup(ctx, cut, cut, true)
	if err != nil || dry != (CleanupResult{Tokens: 1, Attempts: 1}) {
		t.Fatalf("dry run: got %+v, %v; want 1 and 1", dry, err)
	}
	if n := count(t, db, "SELECT count(*) FROM connection_attempts"); n != 3 {
		t.Fatalf("dry run deleted: %d rows left, want 3", n)
	}
	got, err := db.Cleanup(ctx, cut, cut, false)
	if err != nil || got != (CleanupResult{Tokens: 1, Attempts: 1}) {
		t.Fatalf("got %+v, %v; want 1 and 1", got, err)
	}
	if n := count(t, db, "SELECT min(at) FROM connection_attempts"); n != cut.UnixMilli() {
		t.Errorf("oldest attempt left: got %d, want the one at the cutoff %d", n, cut.UnixMilli())
	}
	if n := count(t, db, "SELECT min(created_at) FROM ws_tokens"); n != cut.UnixMilli() {
		t.Errorf("oldest token left: got %d, want the one at the cutoff %d", n, cut.UnixMilli())
	}
}

func TestCleanupSeparateCutoffs(t *testing.T) {
	db := openTest(t)
	j := NewJournal(db, nil)
	j.Attempt(Attempt{At: base.Add(-time.Hour), Endpoint: "/e", IP: ipA, Reason: "ok"})
	j.TokenIssued(TokenIssue{User: "u", CreatedAt: base.Add(-time.Hour), ExpiresAt: base})
	closeJournal(t, j)
	got, err := db.Cleanup(context.Background(), base.Add(-2*time.Hour), base, false)
	if err != nil || got != (CleanupResult{Tokens: 0, Attempts: 1}) {
		t.Errorf("got %+v, %v; want the attempt only", got, err)
	}
}

// TestCleanupChunks deletes more rows than one chunk holds.
func TestCleanupChunks(t *testing.T) {
	db := openTest(t)
	n := 2*cleanupChunk + 17
	fill(t, db, n, 1)
	got, err := db.Cleanup(context.Background(), time.UnixMilli(0), time.UnixMilli(int64(n)), false)
	if err != nil || got.Attempts != int64(n-1) {
		t.Fatalf("got %+v, %v; want %d attempts", got, err, n-1)
	}
	if left := count(t, db, "SELECT count(*) FROM connection_attempts"); left != 1 {
		t.Errorf("got %d rows left, want 1", left)
	}
}

func TestCleanupAged(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	db.AddUser(ctx, "alice", []byte("pw"), nil)
	db.CreateSession(ctx, "alice", -time.Second) // already expired
	live, _, _ := db.CreateSession(ctx, "alice", time.Hour)
	now := time.Now()
	j := NewJournal(db, nil)
	j.Attempt(Attempt{At: now.Add(-8 * 24 * time.Hour), Endpoint: "/e", IP: ipA, Reason: "ok"})
	j.Attempt(Attempt{At: now.Add(-6 * 24 * time.Hour), Endpoint: "/e", IP: ipA, Reason: "ok"})
	j.TokenIssued(TokenIssue{Hash: [32]byte{1}, User: "alice", CreatedAt: now.Add(-301 * time.Second)})
	j.TokenIssued(TokenIssue{Hash: [32]byte{2}, User: "alice", CreatedAt: now.Add(-299 * time.Second)})
	closeJournal(t, j)

	got, err := db.CleanupAged(ctx, now, 300*time.Second, 7*24*time.Hour)
	if err != nil || got != (CleanupResult{Tokens: 1, Attempts: 1, Sessions: 1}) {
		t.Fatalf("got %+v, %v; want one of each", got, err)
	}
	if _, err := db.Session(ctx, live, now); err != nil {
		t.Errorf("live session: %v", err)
	}
}

// TestCleanupWhileWriting runs cleanups on a second connection pool while
// the journal writes, as the cleanup command does beside a server: neither
// side may fail or lose a row.
func TestCleanupWhileWriting(t *testing.T) {
	db := openTest(t)
	other := openAt(t, db.Path())
	j := NewJournal(db, &JournalOptions{BatchSize: 256, FlushInterval: time.Millisecond,
		OnError: func(err error, rows int) { t.Errorf("journal lost %d rows: %v", rows, err) }})
	const total = 20000
	var deleted int64
	stop := make(chan struct{})
	cleaned := make(chan struct{})
	go func() {
		defer close(cleaned)
		for {
			r, err := other.Cleanup(context.Background(), base, base.Add(time.Minute), false)
			if err != nil {
				t.Errorf("Cleanup: %v", err)
				return
			}
			deleted += r.Attempts
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	for i := range total {
		// Even rows are old, odd rows new: cleanup removes the old.
		at := base.Add(time.Duration(i%2) * time.Hour)
		for !j.Attempt(Attempt{At: at, Endpoint: "/e", IP: ipA, Reason: "ok"}) {
			time.Sleep(100 * time.Microsecond)
		}
	}
	closeJournal(t, j)
	close(stop)
	<-cleaned
	r, err := other.Cleanup(context.Background(), base, base.Add(time.Minute), false)
	if err != nil {
		t.Fatal(err)
	}
	deleted += r.Attempts
	left := count(t, db, "SELECT count(*) FROM connection_attempts")
	if deleted != total/2 || left != total/2 {
		t.Errorf("got %d deleted, %d left; want %d and %d", deleted, left, total/2, total/2)
	}
}

// TestCleanupMatchesModel compares Cleanup with a list of times filtered
// by hand, over random rows and cutoffs that often land exactly on a row.
func TestCleanupMatchesModel(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	var model []int64
	j := NewJournal(db, nil)
	for range 500 {
		at := rng.Int64N(1000)
		model = append(model, at)
		j.Attempt(Attempt{At: time.UnixMilli(at), Endpoint: "/e", IP: ipA, Reason: "ok"})
	}
	closeJournal(t, j)

	for range 20 {
		cut := model[rng.IntN(len(model))] + rng.Int64N(3) - 1
		var want int64
		var kept []int64
		for _, at := range model {
			if at < cut {
				want++
			} else {
				kept = append(kept, at)
			}
		}
		dry, err := db.Cleanup(ctx, time.UnixMilli(0), time.UnixMilli(cut), true)
		if err != nil || dry.Attempts != want {
			t.Fatalf("dry cutoff %d: got %d, %v; want %d", cut, dry.Attempts, err, want)
		}
		got, err := db.Cleanup(ctx, time.UnixMilli(0), time.UnixMilli(cut), false)
		if err != nil || got.Attempts != want {
			t.Fatalf("cutoff %d: got %d, %v; want %d", cut, got.Attempts, err, want)
		}
		model = kept
		if left := count(t, db, "SELECT count(*) FROM connection_attempts"); left != int64(len(model)) {
			t.Fatalf("cutoff %d: got %d rows left, want %d", cut, left, len(model))
		}
		if len(model) == 0 {
			break
		}
	}
}
