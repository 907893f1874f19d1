package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// stdio is the terminal a command talks to; tests pass buffers.
type stdio struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}

// command is one subcommand of the binary.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io *stdio, args []string) error
}

// commands lists the subcommands in the order "wsgate help" shows them.
// It is filled in by init to break the cycle through runHelp.
var commands []command

func init() {
	commands = []command{
		{"serve", "serve WebSockets (the default command)", runServe},
		{"cleanup", "delete old tokens and attempt records", runCleanup},
		{"user", "add, list, remove users; set passwords and permissions", runUser},
		{"apikey", "create, list and revoke API keys", runAPIKey},
		{"audit", "list journaled connection attempts", runAudit},
		{"version", "print version, commit and Go version", runVersion},
		{"help", "show this list", runHelp},
	}
}

// usageError marks a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// run dispatches args to a command; with no command it serves.
func run(ctx context.Context, args []string, io *stdio) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return runServe(ctx, io, args)
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, io, args[1:])
		}
	}
	return usagef("unknown command %q: run 'wsgate help' for the list", args[0])
}

// runHelp prints the commands.
func runHelp(_ context.Context, io *stdio, _ []string) error {
	fmt.Fprintln(io.out, "usage: wsgate [command] [flags]")
	fmt.Fprintln(io.out)
	for _, c := range commands {
		fmt.Fprintf(io.out, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(io.out)
	fmt.Fprintln(io.out, "Run 'wsgate COMMAND --help' for a command's flags.")
	return nil
}

// exitCode prints err as one line and maps it to the process exit code:
// 0 on success or --help, 2 on a usage error, 1 on anything else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "wsgate: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage to io.err.
func newFlagSet(name, synopsis string, io *stdio) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	fs.Usage = func() {
		fmt.Fprintf(io.err, "usage: wsgate %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with flags and positional arguments in any order,
// as in "user add NAME --perm admin", and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{msg: err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
