package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// gateway is one running wsgate child process.
type gateway struct {
	t       *testing.T
	cfg     *config
	cfgPath string
	nofile  int      // descriptor limit of the child; 0 leaves it alone
	flags   []string // extra flags for "wsgate serve"

	cmd    *exec.Cmd
	log    *syncBuffer
	exited chan struct{} // closed when the process has been waited for
	client *http.Client  // its own transport, so idle connections end with it
}

// startGateway writes cfg and starts "wsgate serve --config" on it with
// the extra flags, and returns once /readyz answers 200. The process is
// killed when t ends.
func startGateway(t *testing.T, cfg *config, flags ...string) *gateway {
	t.Helper()
	g := &gateway{t: t, cfg: cfg, cfgPath: cfg.write(t, t.TempDir()), flags: flags}
	g.start()
	return g
}

// startGatewayNofile is startGateway with the child's RLIMIT_NOFILE set
// to n (soft and hard, so the Go runtime cannot raise it) and extra flags
// for "wsgate serve".
func startGatewayNofile(t *testing.T, cfg *config, n int, flags ...string) *gateway {
	t.Helper()
	g := &gateway{t: t, cfg: cfg, cfgPath: cfg.write(t, t.TempDir()), nofile: n, flags: flags}
	g.start()
	return g
}

func (g *gateway) start() {
	g.t.Helper()
	args := append([]string{wsgateBin, "serve", "--config", g.cfgPath}, g.flags...)
	if g.nofile > 0 {
		// exec keeps the pid, so signals reach wsgate itself.
		script := fmt.Sprintf(`ulimit -n %d && exec "$@"`, g.nofile)
		args = append([]string{"/bin/sh", "-c", script, "sh"}, args...)
	}
	g.cmd = exec.Command(args[0], args[1:]...)
	g.log = &syncBuffer{}
	g.cmd.Stdout, g.cmd.Stderr = g.log, g.log
	g.exited = make(chan struct{})
	g.client = &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	if err := g.cmd.Start(); err != nil {
		g.t.Fatalf("start wsgate: %v", err)
	}
	go func() {
		g.cmd.Wait()
		close(g.exited)
	}()
	g.t.Cleanup(g.kill)
	g.waitReady()
}

// waitReady polls /readyz until it answers 200, the process exits or a
// deadline passes.
func (g *gateway) waitReady() {
	g.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-g.exited:
			g.t.Fatalf("wsgate exited before it was ready (%v); log:\n%s",
				g.cmd.ProcessState, g.log.String())
		default:
		}
		resp, err := g.client.Get(g.url("/readyz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	g.t.Fatalf("wsgate not ready after 20s; log:\n%s", g.log.String())
}

// kill sends SIGKILL and waits for the process; safe to call twice.
func (g *gateway) kill() {
	g.cmd.Process.Signal(syscall.SIGKILL)
	<-g.exited
	g.client.CloseIdleConnections()
}

// stop asks for a graceful shutdown (SIGTERM) and returns the exit code.
func (g *gateway) stop() int {
	g.t.Helper()
	g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.exited:
	case <-time.After(30 * time.Second):
		g.kill()
		g.t.Fatalf("wsgate did not exit 30s after SIGTERM; log:\n%s", g.log.String())
	}
	g.client.CloseIdleConnections()
	return g.cmd.ProcessState.ExitCode()
}

// restart starts a new process on the same configuration and database.
func (g *gateway) restart() {
	g.t.Helper()
	g.start()
}

// alive reports whether the process is still running.
func (g *gateway) alive() bool {
	select {
	case <-g.exited:
		return false
	default:
		return true
	}
}

// url returns the http URL of path on the gateway.
func (g *gateway) url(path string) string { return "http://" + g.cfg.Listen + path }

// wsURL returns the ws URL of path on the gateway.
func (g *gateway) wsURL(path string) string { return "ws://" + g.cfg.Listen + path }

// rssKB reads the process's resident set size from /proc.
func (g *gateway) rssKB() int {
	g.t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", g.cmd.Process.Pid))
	if err != nil {
		g.t.Fatalf("read process status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				g.t.Fatalf("parse VmRSS %q: %v", line, err)
			}
			return n
		}
	}
	g.t.Fatalf("no VmRSS in /proc/%d/status", g.cmd.Process.Pid)
	return 0
}

// cli runs a wsgate command against the gateway's configuration (and so
// its database) with stdin as standard input, and returns its output.
func (g *gateway) cli(stdin string, args ...string) string {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args = append(args, "--config", g.cfgPath)
	cmd := exec.CommandContext(ctx, wsgateBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		g.t.Fatalf("wsgate %s: %v; stderr: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// healthy fails the test unless /healthz answers 200 right now.
func (g *gateway) healthy() {
	g.t.Helper()
	resp, err := g.client.Get(g.url("/healthz"))
	if err != nil {
		g.t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		g.t.Fatalf("GET /healthz: got %d, want 200", resp.StatusCode)
	}
}

// syncBuffer is a bytes.Buffer safe for the child's output copier and the
// test reading it at the same time.
type syncBuffer struct {
	// mu guards buf.
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// readFileIfExists reads path, or returns nothing if it does not exist.
func readFileIfExists(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	return b, err
}
