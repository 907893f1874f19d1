package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := notifyContext(context.Background())
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// notifyContext is ended by SIGINT or SIGTERM: an interrupted load test
// prints what it has measured, and a baseline server stops.
func notifyContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// run dispatches the hidden modes ("baseline-server", "config") and
// otherwise runs a load test.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "baseline-server":
			return runBaselineServer(ctx, args[1:], stdout)
		case "config":
			return printConfig(args[1:], stdout)
		}
	}
	o, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	return loadTest(ctx, o, args, stdout, stderr)
}

// loadTest runs the scenarios of o and prints the report.
func loadTest(ctx context.Context, o *options, args []string, stdout, stderr io.Writer) error {
	scs, err := scenarios(o.Scenarios)
	if err != nil {
		return err
	}
	if _, err := raiseFileLimit(); err != nil {
		return err
	}
	l, err := newLauncher(ctx, o)
	if err != nil {
		return err
	}
	defer l.close()

	rep := &report{
		Machine: thisMachine(),
		Command: strings.TrimSpace("cd benchmarks && go run ./wsload " + strings.Join(args, " ")),
		Rounds:  o.Rounds,
		Started: time.Now().UTC().Truncate(time.Second),
	}
	prog := newProgress(stderr, len(scs)*o.Rounds*2)
	r := &runner{opts: o, launch: l, progress: prog}
	rep.Scenarios = r.run(ctx, scs)
	prog.finish()
	rep.Seconds = time.Since(rep.Started).Seconds()

	switch {
	case o.JSON:
		err = writeJSON(stdout, rep)
	case o.Markdown:
		err = writeMarkdown(stdout, rep)
	default:
		err = writeText(stdout, rep)
	}
	if err == nil {
		err = ctx.Err() // an interrupted run printed what it had, and says so
	}
	return err
}

// printConfig is the hidden "config" mode: it prints the wsgate
// configuration the harness generates, for running wsgate by hand and
// pointing --addr at it.
func printConfig(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "address for the listen key")
	db := fs.String("database", "wsload.db", "path for the database key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p := defaultConfigParams()
	p.Listen, p.Database = *listen, *db
	_, err := io.WriteString(stdout, wsgateConfig(p))
	return err
}

// exitCode prints err as one line and maps it to an exit code: 2 for a
// usage error, 1 for any other failure.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "wsload: %v (see --help)\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "wsload: %v\n", err)
		return 1
	}
}
