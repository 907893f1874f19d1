package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsgate/wsgate/server"
)

// writeConfig writes doc to a file in a temporary directory.
func writeConfig(t *testing.T, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wsgate.toml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaultConfig(t *testing.T) {
	c := defaultConfig()
	if err := c.validate(); err != nil {
		t.Fatalf("embedded defaults refused: %v", err)
	}
	o := c.serverOptions()
	if c.Listen != "127.0.0.1:8080" || c.Database != "wsgate.db" {
		t.Errorf("listen %q database %q, want 127.0.0.1:8080 and wsgate.db", c.Listen, c.Database)
	}
	if len(o.Endpoints) != 2 {
		t.Fatalf("%d endpoints, want 2", len(o.Endpoints))
	}
	chat, echo := o.Endpoints[0], o.Endpoints[1]
	if chat.Path != "/ws/chat" || chat.Handler != "channels" || !chat.RequireToken ||
		chat.RateLimitMaxAttempts != 20 || chat.RateLimitWindow != 5*time.Minute || chat.RejectMode != server.RejectHTTP {
		t.Errorf("chat endpoint %+v", chat)
	}
	if echo.Path != "/ws/echo" || echo.Handler != "echo" || echo.RequireToken || !echo.RateLimitEnabled {
		t.Errorf("echo endpoint %+v", echo)
	}
	if o.Token.TTL != time.Minute || o.Token.MaxPerMinute != 10 || !o.Token.BindSession ||
		o.Cleanup.Interval != 5*time.Minute || o.MaxHeaderBytes != 16384 || o.IPv6Prefix != 64 {
		t.Errorf("options %+v", o)
	}
}

// TestEveryKeyHasHelp checks that the embedded defaults, which "wsgate
// serve --help" prints, show every key the loader accepts.
func TestEveryKeyHasHelp(t *testing.T) {
	var keys []string
	collectKeys(reflect.TypeOf(config{}), "", &keys)
	for _, k := range keys {
		if !strings.Contains(string(defaultsTOML), "\n"+k+" =") {
			t.Errorf("key %q is not shown in defaults.toml", k)
		}
	}
	if len(keys) < 40 {
		t.Errorf("found %d keys, want all of them", len(keys))
	}
}

// collectKeys lists the TOML keys of t's fields, recursing into tables.
func collectKeys(t reflect.Type, prefix string, keys *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("toml")
		if tag == "" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct && ft.Elem().Name() == "endpointConfig" {
			collectKeys(ft.Elem(), "", keys)
			continue
		}
		if ft.Kind() == reflect.Struct && ft.Name() == "" {
			collectKeys(ft, "", keys)
			continue
		}
		*keys = append(*keys, prefix+tag)
	}
}

func TestLoadConfigFile(t *testing.T) {
	path := writeConfig(t, `
listen = "0.0.0.0:9000"
trusted_proxies = ["10.0.0.0/8", "2001:db8::/32"]
allowed_origins = ["https://*.example.com"]

[token]
ttl = "30s"

[[endpoint]]
path = "/ws/live"
handler = "echo"
reject_mode = "close"
rate_limit_max_attempts = 3
`)
	c, err := loadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o := c.serverOptions()
	if c.Listen != "0.0.0.0:9000" || c.Database != "wsgate.db" || len(o.TrustedProxies) != 2 ||
		o.AllowedOrigins[0] != "https://*.example.com" || o.Token.TTL != 30*time.Second || o.Token.MaxPerMinute != 10 {
		t.Errorf("options %+v", o)
	}
	if len(o.Endpoints) != 1 {
		t.Fatalf("%d endpoints, want only the file's one", len(o.Endpoints))
	}
	e := o.Endpoints[0]
	if e.Path != "/ws/live" || e.RejectMode != server.RejectClose || e.RateLimitMaxAttempts != 3 ||
		e.RateLimitWindow != 5*time.Minute || !e.RequireToken || e.ChannelPattern == nil {
		t.Errorf("endpoint %+v: want the file's values over /ws/chat's", e)
	}
}

func TestLoadConfigFileRefusals(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unknown key", "listen = \"127.0.0.1:1\"\nbogus = 1\n", ":2: bogus: unknown key"},
		{"unknown table key", "[token]\nttl = \"1s\"\nttll = \"1s\"\n", ":3: token.ttll: unknown key"},
		{"unknown endpoint key", "[[endpoint]]\npath = \"/ws/x\"\npathh = \"/\"\n", ":3: endpoint.pathh: unknown key"},
		{"bad duration", "[cleanup]\ninterval = \"5 minutes\"\n", ":2: cleanup.interval: bad duration"},
		{"duration as number", "header_timeout = 10\n", ":1: header_timeout: bad duration 10"},
		{"endpoint duration as number", "[[endpoint]]\npath = \"/ws/x\"\nidle_timeout = 600\n", ":3: endpoint.1.idle_timeout: bad duration 600"},
		{"bad cidr", "trusted_proxies = [\"10.0.0.0/8\", \"10.0.0.0/99\"]\n", ":1: trusted_proxies:"},
		{"bad regexp", "[[endpoint]]\npath = \"/ws/x\"\nchannel_pattern = \"([a-z\"\n", ":3: endpoint.channel_pattern: bad regular expression"},
		{"duplicate path", "[[endpoint]]\npath = \"/ws/x\"\n\n[[endpoint]]\npath = \"/ws/x\"\n", ":5: endpoint.2.path: /ws/x is configured twice"},
		{"bad handler", "[[endpoint]]\npath = \"/ws/x\"\nhandler = \"chat\"\n", ":3: endpoint.1.handler: \"chat\" is not one of channels, echo"},
		{"bad reject mode", "[[endpoint]]\npath = \"/ws/x\"\nreject_mode = \"drop\"\n", ":3: endpoint.1.reject_mode:"},
		{"bad origin", "allowed_origins = [\"example.com\"]\n", ":1: allowed_origins:"},
		{"wrong type", "max_connections = \"many\"\n", ":1: max_connections:"},
		{"zero limit", "[[endpoint]]\npath = \"/ws/x\"\nrate_limit_max_attempts = 0\n", ":3: endpoint.1.rate_limit_max_attempts:"},
		{"reserved path", "[[endpoint]]\npath = \"/api/ws\"\n", ":2: endpoint.1.path:"},
		{"bad listen", "listen = \"8080\"\n", ":1: listen:"},
		{"bad log format", "log_format = \"xml\"\n", ":1: log_format:"},
		{"negative interval", "[cleanup]\ninterval = \"-1m\"\n", ":2: cleanup.interval: must not be negative"},
		{"default channel off pattern", "[[endpoint]]\npath = \"/ws/x\"\ndefault_channel = \"a b\"\n", "endpoint.1.default_channel"},
		{"ipv6 prefix", "ipv6_prefix = 0\n", ":1: ipv6_prefix:"},
		{"not toml", "listen = \n", ":1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.doc)
			_, err := loadConfigFile(path)
			if err == nil {
				t.Fatal("accepted, want an error")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want the file and %q", err, tt.want)
			}
		})
	}
	if _, err := loadConfigFile(filepath.Join(t.TempDir(), "missing.toml")); err == nil {
		t.Error("a missing file was accepted")
	}
}
