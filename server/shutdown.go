package server

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Shutdown stops the server gracefully (SPEC section 8): it refuses new
// handshakes with 503 and /readyz with 503, closes open connections with
// 1012 and retry hints spread over the drain window, stops the HTTP
// server, waits for the connections to end, stops the cleanup and
// flushes the journal completely. ctx bounds the whole; when it ends
// first, remaining connections are cut and its error returned. The
// database stays open: it belongs to the caller. Calling Shutdown again
// returns the first call's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() { s.shutdownErr = s.shutdown(ctx) })
	return s.shutdownErr
}

func (s *Server) shutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.log.Info("draining", "connections", s.capacity.open(), "drain", s.opts.DrainTimeout)

	s.hub.Shutdown(ctx, s.opts.DrainTimeout)
	s.stopHTTP(ctx)
	connErr := s.waitConnections(ctx)
	s.cancel()

	s.stopMaintenance()
	s.maintenance.Wait()
	journalErr := s.journal.Close(context.WithoutCancel(ctx))
	if journalErr != nil {
		journalErr = fmt.Errorf("flush journal: %w", journalErr)
	}
	return errors.Join(connErr, journalErr)
}

// stopHTTP stops the HTTP server, letting requests in flight finish within
// the drain window; requests still running after it (a client dribbling
// a body, say) are cut off rather than allowed to hold the exit.
func (s *Server) stopHTTP(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.DrainTimeout)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		s.log.Warn("cut off requests still running after the drain", "err", err)
		s.http.Close()
	}
}

// waitConnections waits until every connection handler has returned its
// capacity slot, polling: hijacked connections are invisible to
// http.Server.Shutdown.
func (s *Server) waitConnections(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for s.capacity.open() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %d connections: %w", s.capacity.open(), ctx.Err())
		case <-t.C:
		}
	}
	return nil
}
