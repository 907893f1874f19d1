package main

import (
	"fmt"
	"syscall"
)

// raiseFileLimit lifts this process's soft limit on open files to its
// hard limit, so the idle scenario can hold thousands of connections.
// Servers the harness starts inherit the raised limit. It returns the
// new soft limit.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read open file limit: %w", err)
	}
	if lim.Cur >= lim.Max {
		return lim.Cur, nil
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("raise open file limit to %d: %w", lim.Max, err)
	}
	return lim.Cur, nil
}
