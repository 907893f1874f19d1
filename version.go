package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// runVersion prints the version, the commit the binary was built from and
// the Go version.
func runVersion(_ context.Context, io *stdio, args []string) error {
	fs := newFlagSet("version", "version", io)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "wsgate %s\ncommit %s\n%s\n", version, buildCommit(), runtime.Version())
	return nil
}

// buildCommit reads the VCS revision the go command stamped into the
// binary, marking a build from a modified tree.
func buildCommit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	commit, dirty := "unknown", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty {
		commit += " (modified)"
	}
	return commit
}
