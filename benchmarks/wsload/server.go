package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Server names as they appear in reports.
const (
	targetWsgate   = "wsgate"
	targetBaseline = "baseline"
)

// stopTimeout bounds a graceful stop before the process is killed.
const stopTimeout = 10 * time.Second

// server is one server a trial talks to: a process the harness started,
// or a wsgate it was given by address (pid 0 when not known, and then
// no CPU or memory figures).
type server struct {
	target string // targetWsgate or targetBaseline
	addr   string // host:port
	pid    int

	cmd     *exec.Cmd     // nil for a given address
	logPath string        // where the process's output goes
	exited  chan struct{} // closed once cmd has been waited for
	waitErr error         // cmd's exit, valid after exited is closed
}

// startProcess starts cmd with its output in logPath and watches for
// its exit.
func startProcess(target string, cmd *exec.Cmd, logPath string) (*server, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", target, err)
	}
	defer log.Close() // the child holds its own descriptor
	if cmd.Stdout == nil {
		cmd.Stdout = log
	}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", target, err)
	}
	s := &server{target: target, pid: cmd.Process.Pid, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// stop ends a started process: SIGTERM, then SIGKILL after stopTimeout.
// A given address is left alone.
func (s *server) stop() error {
	if s.cmd == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("stop %s: killed after %v without exiting", s.target, stopTimeout)
	}
	var ee *exec.ExitError
	if errors.As(s.waitErr, &ee) && !ee.Exited() {
		return nil // ended by our signal before it could exit by itself
	}
	if s.waitErr != nil {
		return fmt.Errorf("stop %s: %w%s", s.target, s.waitErr, s.logTail())
	}
	return nil
}

// cpu is the server's CPU time so far.
func (s *server) cpu() (time.Duration, error) {
	if s.pid == 0 {
		return 0, errors.New("read cpu time: no --pid given")
	}
	return processCPU(s.pid)
}

// rss is the server's resident memory in bytes.
func (s *server) rss() (int64, error) {
	if s.pid == 0 {
		return 0, errors.New("read rss: no --pid given")
	}
	return processRSS(s.pid)
}

// alive reports an error when a started process has already exited.
func (s *server) alive() error {
	if s.cmd == nil {
		return nil
	}
	select {
	case <-s.exited:
		return fmt.Errorf("%s exited: %v%s", s.target, s.waitErr, s.logTail())
	default:
		return nil
	}
}

// logTail is the end of the process's output, for error messages.
func (s *server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil || len(b) == 0 {
		return ""
	}
	const keep = 600
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return "; its output ends: " + strings.TrimSpace(string(b))
}

// waitReady polls url until it answers 200, the process exits, or
// ctx ends.
func (s *server) waitReady(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		if err := s.alive(); err != nil {
			return err
		}
		if status, err := httpStatus(ctx, url); err == nil && status == 200 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s at %s: %w", s.target, url, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
