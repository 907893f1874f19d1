package server

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgate/wsgate/persist"
)

func TestTokenStoreLifecycle(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := newTokenStore(time.Minute)
	tok, h, err := newToken()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := hashToken(tok); !ok || got != h {
		t.Fatalf("hashToken(newToken) = %x, %v; want the issued hash", got, ok)
	}
	s.add(h, tokenEntry{user: "ann", created: now})

	steps := []struct {
		at      time.Duration
		consume bool
		want    tokenState
	}{
		{0, false, tokenValid},
		{59 * time.Second, true, tokenValid}, // consumed here
		{59 * time.Second, false, tokenUsed},
		{60 * time.Second, false, tokenExpired},
	}
	for i, st := range steps {
		if _, got := s.lookup(h, now.Add(st.at)); got != st.want {
			t.Errorf("step %d: state %d, want %d", i, got, st.want)
		}
		if st.consume && !s.consume(h) {
			t.Errorf("step %d: consume failed", i)
		}
	}
	if s.consume(h) {
		t.Error("a used token was consumed twice")
	}
	if n := s.sweep(now.Add(59 * time.Second)); n != 0 || s.len() != 1 {
		t.Errorf("sweep before expiry removed %d, left %d; want 0 and 1", n, s.len())
	}
	if n := s.sweep(now.Add(time.Minute)); n != 1 || s.len() != 0 {
		t.Errorf("sweep at expiry removed %d, left %d; want 1 and 0", n, s.len())
	}
}

func TestHashTokenRefusesGarbage(t *testing.T) {
	for _, tok := range []string{"", "abc", strings.Repeat("g", 64), strings.Repeat("A", 64), strings.Repeat("a", 65)} {
		if _, ok := hashToken(tok); ok {
			t.Errorf("hashToken(%q) accepted", tok)
		}
	}
}

// TestTokenConsumeOnce races many consumers over many tokens: each token
// is consumed exactly once.
func TestTokenConsumeOnce(t *testing.T) {
	s := newTokenStore(time.Minute)
	var hashes [][32]byte
	for range 64 {
		_, h, _ := newToken()
		s.add(h, tokenEntry{created: time.Now()})
		hashes = append(hashes, h)
	}
	var wins atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, h := range hashes {
				if s.consume(h) {
					wins.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 64 {
		t.Errorf("%d consumptions of 64 tokens, want 64", wins.Load())
	}
}

func TestPeriodicCleanup(t *testing.T) {
	h := newHarness(t, "", func(o *Options) {
		o.Cleanup = CleanupOptions{TokenAge: 5 * time.Minute, RateLimitAge: time.Hour}
	})
	h.addUser("ann")
	ann := h.login("ann")
	h.token(cookie(ann), "")
	h.mustDial("/ws/echo", nil).CloseNow()
	h.attempts(1)
	waitFor(t, func() bool { all, _, _ := countTokenRows(h.path); return all == 1 })

	h.clock.Advance(2 * time.Hour)
	h.srv.cleanup(context.Background())
	if all, _, err := countTokenRows(h.path); err != nil || all != 0 {
		t.Errorf("tokens after cleanup: %d (%v), want 0", all, err)
	}
	if rows, err := h.db.Attempts(context.Background(), persist.AttemptFilter{Limit: 10}); err != nil || len(rows) != 0 {
		t.Errorf("attempts after cleanup: %d (%v), want 0", len(rows), err)
	}
}

func TestPeriodicCleanupRunsOnItsInterval(t *testing.T) {
	h := newHarness(t, "", func(o *Options) {
		o.Cleanup = CleanupOptions{Interval: 10 * time.Millisecond, TokenAge: time.Minute, RateLimitAge: time.Hour}
	})
	h.mustDial("/ws/echo", nil).CloseNow()
	h.attempts(1)
	h.clock.Advance(2 * time.Hour)
	waitFor(t, func() bool {
		rows, err := h.db.Attempts(context.Background(), persist.AttemptFilter{Limit: 10})
		return err == nil && len(rows) == 0
	})
}
