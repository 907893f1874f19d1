package main

import (
	"context"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain lets the test binary stand in for the wsload binary when the
// smoke test re-executes it as "baseline-server", as the launcher does
// with the real one; otherwise it runs the tests under a leak check.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "baseline-server" {
		ctx, stop := signalContext()
		err := runBaselineServer(ctx, os.Args[2:], os.Stdout)
		stop()
		os.Exit(exitCode(err, os.Stderr))
	}
	goleak.VerifyTestMain(m)
}

// signalContext ends on SIGTERM, as main's does.
func signalContext() (context.Context, context.CancelFunc) {
	return notifyContext(context.Background())
}
