package server

import (
	"context"
	"time"
)

// tokenSweepInterval is how often expired tokens leave the memory store.
const tokenSweepInterval = time.Minute

// startMaintenance starts the background loop: the built-in cleanup of old
// tokens and attempts every Cleanup.Interval (0 disables it), and the
// sweep of expired tokens from memory.
func (s *Server) startMaintenance() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopMaintenance = cancel
	s.maintenance.Add(1)
	go func() {
		defer s.maintenance.Done()
		s.maintain(ctx)
	}()
}

// maintain runs until ctx ends.
func (s *Server) maintain(ctx context.Context) {
	sweep := time.NewTicker(tokenSweepInterval)
	defer sweep.Stop()
	var cleanup <-chan time.Time
	if s.opts.Cleanup.Interval > 0 {
		t := time.NewTicker(s.opts.Cleanup.Interval)
		defer t.Stop()
		cleanup = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			s.tokens.sweep(s.clock())
			s.logs.sweep(s.clock())
		case <-cleanup:
			s.cleanup(ctx)
		}
	}
}

// cleanup deletes tokens older than Cleanup.TokenAge and attempt records
// older than Cleanup.RateLimitAge, as "wsgate cleanup" does, and the
// sessions that have expired.
func (s *Server) cleanup(ctx context.Context) {
	res, err := s.db.CleanupAged(ctx, s.clock(), s.opts.Cleanup.TokenAge, s.opts.Cleanup.RateLimitAge)
	if err != nil {
		s.log.Error("clean up database", "err", err)
		return
	}
	s.log.Info("cleaned up database", "tokens_deleted", res.Tokens,
		"attempts_deleted", res.Attempts, "sessions_deleted", res.Sessions)
}
