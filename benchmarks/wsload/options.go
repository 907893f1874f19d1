package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// options is the parsed command line of a load test run.
type options struct {
	Scenarios []string // in the order run; all of scenarioNames by default
	Rounds    int      // wsgate/baseline alternations per scenario

	Duration      time.Duration // measured time of handshake, reject, token and fanout trials
	StormDuration time.Duration // measured time of a storm trial

	Dialers      int // parallel handshake loops (handshake, reject)
	StormClients int // distinct X-Forwarded-For addresses in the storm
	StormWorkers int // loops cycling through them
	WellBehaved  int // clients connecting once a second during the storm
	IdleConns    int // connections held open in the idle scenario
	IdleSources  int // 127.0.0.x source addresses they come from
	TokenWorkers int // parallel login/token/connect loops
	Subscribers  int // receivers in the fanout channel

	Addr   string // a running wsgate to use instead of starting one
	PID    int    // its process id, for CPU and memory figures
	Repo   string // wsgate's repository root to build from; found by default
	Wsgate string // a wsgate binary to use instead of building one

	JSON     bool // print the report as JSON
	Markdown bool // print the report as the Markdown of benchmarks/README.md
}

// scenarioNames lists every scenario in the default order.
var scenarioNames = []string{"handshake", "reject", "storm", "idle", "token", "fanout"}

// usage is printed for --help and after a usage error.
const usage = `usage: wsload [flags] [scenario ...]

Runs load scenarios against wsgate and against a bare coder/websocket
server, alternating the two, and prints medians and ratios.
Scenarios: handshake reject storm idle token fanout (default: all).

Flags:
`

// errUsage marks a command line mistake (exit code 2).
var errUsage = errors.New("usage")

// parseArgs parses args (flags and scenario names in any order) into
// options with defaults filled in, and checks them.
func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := newFlagSet(o, stderr)

	var names []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		names = append(names, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(names) == 0 {
		names = scenarioNames
	}
	o.Scenarios = names
	if err := o.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	return o, nil
}

// newFlagSet defines every flag on o with its default.
func newFlagSet(o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("wsload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.Rounds, "rounds", 5, "`n` alternations of wsgate and the baseline per scenario")
	fs.DurationVar(&o.Duration, "duration", 2*time.Second,
		"measured time of a handshake, reject, token or fanout trial")
	fs.DurationVar(&o.StormDuration, "storm-duration", 6*time.Second, "measured time of a storm trial")
	fs.IntVar(&o.Dialers, "dialers", 32, "parallel handshake loops in handshake and reject")
	fs.IntVar(&o.StormClients, "storm-clients", 2000, "distinct client addresses in the storm")
	fs.IntVar(&o.StormWorkers, "storm-workers", 32, "loops reconnecting on behalf of the storm clients")
	fs.IntVar(&o.WellBehaved, "well-behaved", 10, "clients connecting once a second during the storm")
	fs.IntVar(&o.IdleConns, "idle-conns", 5000, "idle connections held open")
	fs.IntVar(&o.IdleSources, "idle-sources", 8, "127.0.0.x source addresses of the idle connections")
	fs.IntVar(&o.TokenWorkers, "token-workers", 8, "parallel login, token and connect loops")
	fs.IntVar(&o.Subscribers, "subscribers", 200, "receivers in the fanout channel")
	fs.StringVar(&o.Addr, "addr", "", "`host:port` of a running wsgate (loopback only) instead of starting one")
	fs.IntVar(&o.PID, "pid", 0, "process id of the wsgate at --addr, for CPU and memory figures")
	fs.StringVar(&o.Repo, "repo", "",
		"wsgate repository root to build from (default: found from the working directory)")
	fs.StringVar(&o.Wsgate, "wsgate", "", "`path` of a wsgate binary to run instead of building one")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	fs.BoolVar(&o.Markdown, "markdown", false, "print the report as Markdown tables for benchmarks/README.md")
	return fs
}

// check refuses values that would make a run meaningless or unbounded.
func (o *options) check() error {
	for _, n := range o.Scenarios {
		if !slices.Contains(scenarioNames, n) {
			return fmt.Errorf("unknown scenario %q (want one of %s)", n, strings.Join(scenarioNames, ", "))
		}
	}
	counts := []struct {
		name      string
		v, lo, hi int
	}{
		{"rounds", o.Rounds, 1, 20},
		{"dialers", o.Dialers, 1, 1024},
		{"storm-clients", o.StormClients, 1, 1 << 20},
		{"storm-workers", o.StormWorkers, 1, 1024},
		{"well-behaved", o.WellBehaved, 1, 250},
		{"idle-conns", o.IdleConns, 1, 60000},
		{"idle-sources", o.IdleSources, 1, 250},
		{"token-workers", o.TokenWorkers, 1, 256},
		{"subscribers", o.Subscribers, 1, 10000},
	}
	for _, c := range counts {
		if c.v < c.lo || c.v > c.hi {
			return fmt.Errorf("--%s=%d: want %d to %d", c.name, c.v, c.lo, c.hi)
		}
	}
	for name, d := range map[string]time.Duration{"duration": o.Duration, "storm-duration": o.StormDuration} {
		if d < 100*time.Millisecond || d > 10*time.Minute {
			return fmt.Errorf("--%s=%v: want 100ms to 10m", name, d)
		}
	}
	return o.checkTarget()
}

// checkTarget checks the flags that choose the servers and the output.
func (o *options) checkTarget() error {
	if o.JSON && o.Markdown {
		return errors.New("--json and --markdown exclude each other")
	}
	if o.PID != 0 && o.Addr == "" {
		return errors.New("--pid needs --addr")
	}
	if o.Addr == "" {
		return nil
	}
	ap, err := netip.ParseAddrPort(o.Addr)
	if err != nil {
		return fmt.Errorf("--addr=%s: want a numeric host:port: %w", o.Addr, err)
	}
	if !ap.Addr().IsLoopback() {
		return fmt.Errorf("--addr=%s: only loopback addresses may be load tested", o.Addr)
	}
	return nil
}
