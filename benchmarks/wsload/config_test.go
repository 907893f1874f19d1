package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// parsedConfig is the part of a wsgate configuration the tests read back.
type parsedConfig struct {
	Listen         string   `toml:"listen"`
	Database       string   `toml:"database"`
	TrustedProxies []string `toml:"trusted_proxies"`
	MaxConnsPerIP  int      `toml:"max_connections_per_ip"`
	Token          struct {
		MaxPerMinute int  `toml:"max_per_minute"`
		BindSession  bool `toml:"bind_session"`
	} `toml:"token"`
	Cleanup struct {
		Interval string `toml:"interval"`
	} `toml:"cleanup"`
	Endpoint []struct {
		Path        string `toml:"path"`
		Handler     string `toml:"handler"`
		Token       bool   `toml:"require_token"`
		Limited     bool   `toml:"rate_limit_enabled"`
		Max         int    `toml:"rate_limit_max_attempts"`
		Window      string `toml:"rate_limit_window"`
		RejectMode  string `toml:"reject_mode"`
		MessageRate int    `toml:"message_rate"`
	} `toml:"endpoint"`
}

func TestWsgateConfig(t *testing.T) {
	p := defaultConfigParams()
	p.Listen, p.Database = "127.0.0.1:9999", `/tmp/a "quoted" dir/wsgate.db`
	var c parsedConfig
	if err := toml.Unmarshal([]byte(wsgateConfig(p)), &c); err != nil {
		t.Fatalf("generated configuration is not TOML: %v\n%s", err, wsgateConfig(p))
	}
	if c.Listen != p.Listen || c.Database != p.Database {
		t.Errorf("got listen %q database %q, want %q %q", c.Listen, c.Database, p.Listen, p.Database)
	}
	if len(c.TrustedProxies) != 1 || c.TrustedProxies[0] != "127.0.0.0/8" {
		t.Errorf("trusted_proxies: got %v, want [127.0.0.0/8]", c.TrustedProxies)
	}
	if c.MaxConnsPerIP < 100000 || c.Token.MaxPerMinute != p.TokensPerMinute ||
		!c.Token.BindSession || c.Cleanup.Interval != "0" {
		t.Errorf("got %+v, want caps far above the load, bound tokens and no cleanup", c)
	}

	type want struct {
		handler          string
		token, limited   bool
		max              int
		window           time.Duration
		messageRateAbove int
	}
	wants := map[string]want{
		pathOpen:   {"echo", false, true, p.OpenLimit, p.OpenWindow, 0},
		pathIdle:   {"echo", false, false, p.OpenLimit, p.OpenWindow, 0},
		pathReject: {"echo", false, true, 1, time.Hour, 0},
		pathStorm:  {"echo", false, true, p.StormLimit, p.StormWindow, 0},
		pathToken:  {"echo", true, true, p.TokenLimit, p.TokenWindow, 0},
		pathFanout: {"channels", false, false, 0, 0, 100000},
	}
	if len(c.Endpoint) != len(wants) {
		t.Fatalf("got %d endpoints, want %d", len(c.Endpoint), len(wants))
	}
	for _, e := range c.Endpoint {
		w, ok := wants[e.Path]
		if !ok {
			t.Errorf("unexpected endpoint %q", e.Path)
			continue
		}
		var window time.Duration
		if e.Window != "" {
			var err error
			if window, err = time.ParseDuration(e.Window); err != nil {
				t.Errorf("%s: window %q: %v", e.Path, e.Window, err)
			}
		}
		got := want{e.Handler, e.Token, e.Limited, e.Max, window, 0}
		w2 := w
		w2.messageRateAbove = 0
		if got != w2 || e.MessageRate < w.messageRateAbove {
			t.Errorf("%s: got %+v (message rate %d), want %+v", e.Path, got, e.MessageRate, w)
		}
		if e.Handler == "echo" && e.RejectMode != "http" {
			t.Errorf("%s: reject_mode %q, want http", e.Path, e.RejectMode)
		}
	}
}

func TestFindRepoRoot(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "benchmarks", "wsload")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(dir, text string) {
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(root, "// the product\nmodule github.com/wsgate/wsgate\n\ngo 1.26\n")
	write(filepath.Join(root, "benchmarks"), "module github.com/wsgate/wsgate/benchmarks\n")

	got, err := findRepoRoot(deep)
	if err != nil || got != root {
		t.Errorf("got %q, %v; want %q", got, err, root)
	}
	if _, err := findRepoRoot(t.TempDir()); err == nil {
		t.Error("got no error outside any repository, want one")
	}
}

func TestModulePath(t *testing.T) {
	tests := map[string]string{
		"module github.com/wsgate/wsgate\n":            "github.com/wsgate/wsgate",
		"// c\n  module \"example.com/x\"  \ngo 1.2\n": "example.com/x",
		"go 1.26\n": "",
	}
	for in, want := range tests {
		if got := modulePath([]byte(in)); got != want {
			t.Errorf("modulePath(%q): got %q, want %q", in, got, want)
		}
	}
}
