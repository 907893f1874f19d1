package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// benchPassword is the password of every benchmark user.
const benchPassword = "wsload-benchmark-password-0123456789"

// benchUser is the name of the token scenario's i-th user (from 0).
func benchUser(i int) string { return fmt.Sprintf("wsload-%d", i+1) }

// launcher starts fresh servers for trials: every trial gets its own
// process, and a wsgate trial its own configuration and database, so no
// trial inherits another's limiter state, journal or heap.
type launcher struct {
	opts   *options
	dir    string // scratch directory, removed by close
	self   string // this executable, re-run as the baseline server
	wsgate string // the wsgate binary
	trials int    // numbers the scratch directories

	// usersDB is a database holding the benchmark users, made once and
	// copied for each trial that needs them: adding a user hashes its
	// password, too slow to repeat for every trial.
	usersDB string
}

// newLauncher makes the scratch directory and, unless --addr or --wsgate
// says otherwise, builds wsgate from the repository root.
func newLauncher(ctx context.Context, o *options) (*launcher, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	dir, err := os.MkdirTemp("", "wsload-")
	if err != nil {
		return nil, fmt.Errorf("make scratch directory: %w", err)
	}
	l := &launcher{opts: o, dir: dir, self: self, wsgate: o.Wsgate}
	if o.Addr == "" && l.wsgate == "" {
		if l.wsgate, err = buildWsgate(ctx, o.Repo, dir); err != nil {
			l.close()
			return nil, err
		}
	}
	return l, nil
}

// close removes the scratch directory.
func (l *launcher) close() { os.RemoveAll(l.dir) }

// start starts the server a trial of sc runs against.
func (l *launcher) start(ctx context.Context, target string, sc *scenario) (*server, error) {
	l.trials++
	if target == targetBaseline {
		return l.startBaseline(ctx)
	}
	if l.opts.Addr != "" {
		return &server{target: targetWsgate, addr: l.opts.Addr, pid: l.opts.PID}, nil
	}
	return l.startWsgate(ctx, sc)
}

// startBaseline re-runs this executable as "baseline-server" and reads
// the address it prints.
func (l *launcher) startBaseline(ctx context.Context) (*server, error) {
	cmd := exec.Command(l.self, "baseline-server", "--listen", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start baseline: %w", err)
	}
	s, err := startProcess(targetBaseline, cmd, filepath.Join(l.dir, fmt.Sprintf("baseline-%d.log", l.trials)))
	if err != nil {
		return nil, err
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Scan()
		line <- sc.Text()
		io.Copy(io.Discard, out) // keep the pipe drained
	}()
	select {
	case ln := <-line:
		addr, ok := strings.CutPrefix(ln, "listening ")
		if !ok {
			s.stop()
			return nil, fmt.Errorf("start baseline: unexpected first line %q%s", ln, s.logTail())
		}
		s.addr = addr
		return s, nil
	case <-time.After(10 * time.Second):
		s.stop()
		return nil, fmt.Errorf("start baseline: no address within 10s%s", s.logTail())
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// startWsgate writes a configuration with a free port and a new
// database, adds the benchmark user when the scenario needs one, starts
// "wsgate serve" and waits for /readyz.
func (l *launcher) startWsgate(ctx context.Context, sc *scenario) (*server, error) {
	dir := filepath.Join(l.dir, fmt.Sprintf("wsgate-%d", l.trials))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("start wsgate: %w", err)
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	p := defaultConfigParams()
	if sc.tune != nil {
		sc.tune(&p, l.opts)
	}
	cfg, db, err := writeConfig(dir, addr, p)
	if err != nil {
		return nil, err
	}
	if sc.needsUser {
		if err := l.copyUsers(ctx, db); err != nil {
			return nil, err
		}
	}

	cmd := exec.Command(l.wsgate, "serve", "--config", cfg)
	cmd.Dir = dir
	s, err := startProcess(targetWsgate, cmd, filepath.Join(dir, "serve.log"))
	if err != nil {
		return nil, err
	}
	s.addr = addr
	if err := s.waitReady(ctx, "http://"+addr+"/readyz"); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// writeConfig writes the wsgate configuration p for addr with its
// database in dir, and returns both paths.
func writeConfig(dir, addr string, p configParams) (cfg, db string, err error) {
	p.Listen, p.Database = addr, filepath.Join(dir, "wsgate.db")
	cfg = filepath.Join(dir, "wsgate.toml")
	if err := os.WriteFile(cfg, []byte(wsgateConfig(p)), 0o600); err != nil {
		return "", "", fmt.Errorf("write wsgate config: %w", err)
	}
	return cfg, p.Database, nil
}

// copyUsers puts a copy of the users' database at db, making the users
// first if this is the first trial that needs them.
func (l *launcher) copyUsers(ctx context.Context, db string) error {
	if l.usersDB == "" {
		if err := l.makeUsers(ctx); err != nil {
			return err
		}
	}
	b, err := os.ReadFile(l.usersDB)
	if err == nil {
		err = os.WriteFile(db, b, 0o600)
	}
	if err != nil {
		return fmt.Errorf("copy users database: %w", err)
	}
	return nil
}

// makeUsers runs "wsgate user add" for each token loop's user, with the
// password on standard input, into a database of their own. Each
// command exits before the next, so the database is closed (its WAL
// checkpointed) and a plain file copy of it is complete.
func (l *launcher) makeUsers(ctx context.Context) error {
	dir := filepath.Join(l.dir, "users")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("make users: %w", err)
	}
	cfg, db, err := writeConfig(dir, "127.0.0.1:0", defaultConfigParams())
	if err != nil {
		return err
	}
	for i := range l.opts.TokenWorkers {
		cmd := exec.CommandContext(ctx, l.wsgate, "user", "add", benchUser(i), "--config", cfg)
		cmd.Stdin = strings.NewReader(benchPassword + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("add benchmark user: %w: %s", err, strings.TrimSpace(string(out)))
		}
	}
	if _, err := os.Stat(db + "-wal"); err == nil {
		return fmt.Errorf("make users: %s-wal left behind; the copy would miss it", db)
	}
	l.usersDB = db
	return nil
}

// buildWsgate runs "go build" in the repository root (found from the
// working directory when repo is empty) into dir.
func buildWsgate(ctx context.Context, repo, dir string) (string, error) {
	if repo == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("build wsgate: %w", err)
		}
		if repo, err = findRepoRoot(wd); err != nil {
			return "", fmt.Errorf("build wsgate: %w (or pass --repo or --wsgate)", err)
		}
	}
	bin := filepath.Join(dir, "wsgate")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build wsgate in %s: %w: %s", repo, err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

// wsgateModule is the module path findRepoRoot looks for.
const wsgateModule = "github.com/wsgate/wsgate"

// findRepoRoot walks up from dir to the directory whose go.mod declares
// wsgate's module.
func findRepoRoot(dir string) (string, error) {
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && modulePath(b) == wsgateModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository: no go.mod of %s above the working directory", wsgateModule)
		}
		dir = parent
	}
}

// modulePath returns the module line's path of a go.mod text.
func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// freePort asks the kernel for an unused loopback port. Another process
// could take it before wsgate binds it; on loopback in a short run that
// is unlikely, and a failed start names the address.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// probeClient makes the probes and small HTTP requests of the harness:
// a new connection each time, as a health checker would.
var probeClient = &http.Client{
	Timeout:   5 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true},
}

// httpStatus GETs url and returns the status code.
func httpStatus(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
