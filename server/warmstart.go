package server

import (
	"context"
	"fmt"
	"time"

	"github.com/wsgate/wsgate/limiter"
	"github.com/wsgate/wsgate/persist"
)

// warmStart makes limits and tokens survive a restart (SPEC section 4):
// it replays the journaled attempts of the longest window into the
// endpoints' limiters and reloads the tokens still valid and unused.
func (s *Server) warmStart(ctx context.Context) error {
	now := s.clock()
	start := time.Now()
	replayed, err := s.replayAttempts(ctx, now)
	if err != nil {
		return err
	}
	reloaded, err := s.reloadTokens(ctx, now)
	if err != nil {
		return err
	}
	s.log.Info("warm start", "attempts_replayed", replayed, "tokens_reloaded", reloaded,
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// replayAttempts records every journaled attempt inside its endpoint's
// window, against its IP key and, when it had one, its user, exactly as
// the connect path counted it.
func (s *Server) replayAttempts(ctx context.Context, now time.Time) (int, error) {
	var longest time.Duration
	for _, ep := range s.endpoints {
		if ep.limits != nil {
			longest = max(longest, ep.RateLimitWindow)
		}
	}
	if longest == 0 {
		return 0, nil
	}
	if s.opts.Cleanup.Interval > 0 && s.opts.Cleanup.RateLimitAge < longest {
		s.log.Warn("cleanup.rate_limit_age is shorter than the longest rate-limit window: "+
			"a restart forgets attempts that still count",
			"rate_limit_age", s.opts.Cleanup.RateLimitAge, "window", longest)
	}
	n := 0
	err := s.db.ReplayAttempts(ctx, now.Add(-longest), func(a persist.AttemptRow) error {
		ep := s.endpoints[a.Endpoint]
		if ep == nil || ep.limits == nil || !a.At.After(now.Add(-ep.RateLimitWindow)) {
			return nil
		}
		if k, err := limiter.ParseAddrKey(a.IP, s.opts.IPv6Prefix); err == nil {
			ep.limits.IP().Record(k, a.At)
		}
		if a.User != "" {
			ep.limits.User().Record(limiter.UserKey(a.User), a.At)
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("replay attempts: %w", err)
	}
	return n, nil
}

// reloadTokens puts the valid, unused tokens back in the store, and every
// token issued in the last issue window, used or not, back in its user's
// issue budget.
func (s *Server) reloadTokens(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.db.ValidTokens(ctx, now, func(t persist.TokenRow) error {
		s.tokens.add(t.Hash, tokenEntry{
			user: t.User, session: t.Session, endpoint: t.Endpoint, created: t.CreatedAt,
		})
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("reload tokens: %w", err)
	}
	err = s.db.IssuedTokens(ctx, now.Add(-tokenIssueWindow), func(t persist.TokenRow) error {
		s.tokenIssues.Record(limiter.UserKey(t.User), t.CreatedAt)
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("reload token budgets: %w", err)
	}
	return n, nil
}
