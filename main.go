// Command wsgate is a self-hosted WebSocket gateway: it terminates
// WebSockets itself and guards their connect path with exact per-IP and
// per-user attempt limits, single-use tokens and an SQLite audit journal.
//
// Run it with no arguments to serve the embedded defaults; run
// "wsgate help" for the other commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], &stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(exitCode(err, os.Stderr))
}
