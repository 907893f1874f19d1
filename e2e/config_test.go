package e2e

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// config is the part of wsgate's configuration file (SPEC.md section 1)
// these tests set. Zero values are left out, so the server's defaults
// apply; the booleans of an endpoint are always written because their
// defaults are true.
type config struct {
	Listen              string     `toml:"listen"`
	Database            string     `toml:"database"`
	TrustedProxies      []string   `toml:"trusted_proxies,omitempty"`
	IPv6Prefix          int        `toml:"ipv6_prefix,omitempty"`
	MaxConnections      int        `toml:"max_connections,omitempty"`
	MaxConnectionsPerIP int        `toml:"max_connections_per_ip,omitempty"`
	LimiterMaxKeys      int        `toml:"limiter_max_keys,omitempty"`
	MaxViolations       int        `toml:"max_violations,omitempty"`
	HeaderTimeout       string     `toml:"header_timeout,omitempty"`
	MaxHeaderBytes      int        `toml:"max_header_bytes,omitempty"`
	DrainTimeout        string     `toml:"drain_timeout,omitempty"`
	Login               *loginConf `toml:"login,omitempty"`
	Token               *tokenConf `toml:"token,omitempty"`
	Cleanup             cleanConf  `toml:"cleanup"`
	Endpoints           []endpoint `toml:"endpoint"`
}

type loginConf struct {
	MaxAttempts int    `toml:"max_attempts,omitempty"`
	Window      string `toml:"window,omitempty"`
}

type tokenConf struct {
	TTL          string `toml:"ttl,omitempty"`
	MaxPerMinute int    `toml:"max_per_minute,omitempty"`
	BindSession  bool   `toml:"bind_session"`
}

type cleanConf struct {
	Interval string `toml:"interval"`
}

// endpoint is one [[endpoint]] block.
type endpoint struct {
	Path             string   `toml:"path"`
	Handler          string   `toml:"handler"`
	RequireToken     bool     `toml:"require_token"`
	RateLimitEnabled bool     `toml:"rate_limit_enabled"`
	MaxAttempts      int      `toml:"rate_limit_max_attempts,omitempty"`
	Window           string   `toml:"rate_limit_window,omitempty"`
	RejectMode       string   `toml:"reject_mode,omitempty"`
	MaxMessageBytes  int      `toml:"max_message_bytes,omitempty"`
	MessageRate      float64  `toml:"message_rate,omitempty"`
	MessageBurst     int      `toml:"message_burst,omitempty"`
	IdleTimeout      string   `toml:"idle_timeout,omitempty"`
	MaxDuration      string   `toml:"max_connection_duration,omitempty"`
	DefaultChannel   string   `toml:"default_channel,omitempty"`
	AllowedHandlers  []string `toml:"allowed_handlers,omitempty"`
}

// baseConfig returns a configuration on a free loopback port with a fresh
// database in t's temporary directory, periodic cleanup off, and the two
// endpoints most tests use: an anonymous echo endpoint limited to a few
// attempts an hour, and an anonymous channels endpoint without a limit.
func baseConfig(t *testing.T) *config {
	t.Helper()
	return &config{
		Listen:   freeAddr(t),
		Database: filepath.Join(t.TempDir(), "wsgate.db"),
		Cleanup:  cleanConf{Interval: "0"},
		Endpoints: []endpoint{
			{
				Path: "/ws/echo", Handler: "echo",
				RateLimitEnabled: true, MaxAttempts: 5, Window: "1h",
			},
			{
				Path: "/ws/chat", Handler: "channels",
				MaxMessageBytes: 4096, DefaultChannel: "lobby",
			},
		},
	}
}

// write stores c as a TOML file in dir and returns its path.
func (c *config) write(t *testing.T, dir string) string {
	t.Helper()
	b, err := toml.Marshal(c)
	if err != nil {
		t.Fatalf("marshal config: %v", err)
	}
	path := filepath.Join(dir, "wsgate.toml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	return path
}

// freeAddr returns a 127.0.0.1 address with a port nobody listens on now.
// Another process could take it before wsgate does; on loopback in a test
// run that does not happen in practice, and the start fails loudly if so.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}
