package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// lockedBuffer is a buffer written by the server's goroutines and read by
// the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servingURL = regexp.MustCompile(`open (http://127\.0\.0\.1:\d+/)`)

func TestServeRunsAndStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "wsgate.db")
	cfg := writeConfig(t, "drain_timeout = \"100ms\"\n")
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", db,
			"--log-format", "json"}, &stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: logs})
	}()

	var base string
	deadline := time.Now().Add(10 * time.Second)
	for base == "" {
		if m := servingURL.FindStringSubmatch(logs.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no serving line; logs:\n%s", logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if resp, err := http.Get(base + "healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer dcancel()
	c, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"ws/echo", nil)
	if err != nil {
		t.Fatalf("dial echo: %v", err)
	}
	closed := make(chan websocket.StatusCode, 1)
	go func() {
		_, _, err := c.Read(dctx)
		closed <- websocket.CloseStatus(err)
	}()

	cancel() // as SIGINT does
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v, want nil after a graceful stop", err)
	}
	if code := <-closed; code != websocket.StatusServiceRestart {
		t.Errorf("open connection closed with %d, want 1012", code)
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("no stop line in the JSON logs:\n%s", logs)
	}
}

func TestServeHelpShowsFlagsAndKeys(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve", "--help"}, &stdio{in: strings.NewReader(""), out: &out, err: &out})
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("got %v, want flag.ErrHelp (exit 0)", err)
	}
	for _, want := range []string{"-listen", "127.0.0.1:8080", "-database", "-log-format", "-log-level", "-config",
		"max_connections_per_ip = 200", "rate_limit_window = \"5m\"", "[cleanup]"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestServeRefusesBadInput(t *testing.T) {
	bad := writeConfig(t, "bogus = 1\n")
	tests := []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"serve", "--config", bad}, bad + ":1: bogus: unknown key", false},
		{[]string{"serve", "--log-level", "loud"}, "--log-level", true},
		{[]string{"serve", "--listen", "nowhere"}, "--listen", true},
		{[]string{"serve", "extra"}, "no arguments", true},
	}
	for _, tt := range tests {
		var errOut bytes.Buffer
		err := run(context.Background(), tt.args, &stdio{in: strings.NewReader(""), out: &errOut, err: &errOut})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want an error containing %q", tt.args, err, tt.want)
			continue
		}
		if code := exitCode(err, &bytes.Buffer{}); (code == 2) != tt.usage || code == 0 {
			t.Errorf("%v: exit code %d, usage error %v", tt.args, code, tt.usage)
		}
	}
}

func TestBrowserURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/",
		"0.0.0.0:80":     "http://127.0.0.1:80/",
		"[::]:8080":      "http://[::1]:8080/",
		"[::1]:8080":     "http://[::1]:8080/",
	} {
		addr, err := net.ResolveTCPAddr("tcp", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := browserURL(addr); got != want {
			t.Errorf("browserURL(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestServeFlagsOverrideFileOverDefaults(t *testing.T) {
	path := writeConfig(t, "listen = \"127.0.0.1:9001\"\ndatabase = \"file.db\"\nlog_level = \"warn\"\n")
	io := &stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &bytes.Buffer{}}
	cfg, err := serveConfig(io, []string{"--config", path, "--database", "flag.db"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9001" || cfg.Database != "flag.db" || cfg.LogLevel != "warn" || cfg.LogFormat != "text" {
		t.Errorf("listen %q database %q level %q format %q; want the file's listen and level, the flag's database, the default format",
			cfg.Listen, cfg.Database, cfg.LogLevel, cfg.LogFormat)
	}
}
