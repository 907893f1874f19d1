package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wsgate/wsgate/persist"
)

// runCleanup deletes old tokens and attempt records: "wsgate cleanup".
func runCleanup(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("cleanup",
		"cleanup [--database P] [--config F] [--token-age=300] [--rate-limit-age=7] [--dry-run] [--force]", io)
	dbf := addDBFlags(fs)
	tokenAge := fs.Int("token-age", 300,
		"delete tokens created more than this many `seconds` ago; unset, a --config file's cleanup.token_age")
	attemptAge := fs.Int("rate-limit-age", 7,
		"delete attempt records older than this many `days`; unset, a --config file's cleanup.rate_limit_age")
	dryRun := fs.Bool("dry-run", false, "only count what would be deleted")
	force := fs.Bool("force", false, "allow a zero or negative age, which deletes everything up to now or beyond")
	if err := onlyFlags(fs, args, "cleanup", ": cleanup takes only flags"); err != nil {
		return err
	}

	cfg, err := dbf.loadConfig()
	if err != nil {
		return err
	}
	tokens := time.Duration(*tokenAge) * time.Second
	attempts := time.Duration(*attemptAge) * 24 * time.Hour
	if cfg != nil && !dbf.isSet("token-age") {
		tokens = time.Duration(cfg.Cleanup.TokenAge)
	}
	if cfg != nil && !dbf.isSet("rate-limit-age") {
		attempts = time.Duration(cfg.Cleanup.RateLimitAge)
	}
	if !*force && tokens <= 0 {
		return usagef("cleanup: token age %v would delete every token: give --token-age a positive number of "+
			"seconds, or add --force", tokens)
	}
	if !*force && attempts <= 0 {
		return usagef("cleanup: attempt age %v would delete every attempt record: give --rate-limit-age a "+
			"positive number of days, or add --force", attempts)
	}
	return cleanup(ctx, io, dbf, tokens, attempts, *dryRun)
}

// cleanup opens the database and deletes (or counts) the rows older than
// the ages, printing both counts.
func cleanup(ctx context.Context, io *stdio, f *dbFlags, tokenAge, attemptAge time.Duration, dryRun bool) error {
	return f.withDB(ctx, func(db *persist.DB) error {
		now := time.Now()
		tokensBefore, attemptsBefore := now.Add(-tokenAge), now.Add(-attemptAge)
		r, err := db.Cleanup(ctx, tokensBefore, attemptsBefore, dryRun)
		if err != nil {
			return fmt.Errorf("cleanup %s: %w", db.Path(), err)
		}
		verb := "deleted"
		if dryRun {
			verb = "would delete"
		}
		fmt.Fprintf(io.out, "%s %d tokens created before %s\n", verb, r.Tokens, stamp(tokensBefore))
		fmt.Fprintf(io.out, "%s %d attempt records before %s\n", verb, r.Attempts, stamp(attemptsBefore))
		return nil
	})
}

// stamp formats a time for command output: UTC with milliseconds.
func stamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
