package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/wsgate/wsgate/server"
)

// defaultsTOML is the embedded default configuration; "wsgate serve
// --help" prints it, so every key is shown with its default.
//
//go:embed defaults.toml
var defaultsTOML []byte

// config is the configuration file of SPEC section 1 as parsed, before it
// becomes server.Options. Its zero value is not useful: start from
// defaultConfig.
type config struct {
	Listen              string         `toml:"listen"`
	Database            string         `toml:"database"`
	LogFormat           enum           `toml:"log_format"`
	LogLevel            enum           `toml:"log_level"`
	TrustedProxies      []netip.Prefix `toml:"trusted_proxies"`
	IPv6Prefix          int            `toml:"ipv6_prefix"`
	AllowedOrigins      []origin       `toml:"allowed_origins"`
	MaxConnections      int            `toml:"max_connections"`
	MaxConnectionsPerIP int            `toml:"max_connections_per_ip"`
	LimiterMaxKeys      int            `toml:"limiter_max_keys"`
	MaxViolations       int            `toml:"max_violations"`
	HeaderTimeout       duration       `toml:"header_timeout"`
	MaxHeaderBytes      int            `toml:"max_header_bytes"`
	DrainTimeout        duration       `toml:"drain_timeout"`

	Login struct {
		MaxAttempts int      `toml:"max_attempts"`
		Window      duration `toml:"window"`
		SessionTTL  duration `toml:"session_ttl"`
	} `toml:"login"`

	Token struct {
		TTL          duration `toml:"ttl"`
		MaxPerMinute int      `toml:"max_per_minute"`
		BindSession  bool     `toml:"bind_session"`
	} `toml:"token"`

	Cleanup struct {
		Interval     duration `toml:"interval"`
		TokenAge     duration `toml:"token_age"`
		RateLimitAge duration `toml:"rate_limit_age"`
	} `toml:"cleanup"`

	Endpoint []endpointConfig `toml:"endpoint"`

	// file names the file the values came from, for error messages;
	// lines maps "key", "login.window" or "endpoint.1.path" to its line.
	file  string
	lines map[string]int
}

// endpointConfig is one [[endpoint]] block. Every field is a pointer so
// that a key left out can take the default endpoint's value.
type endpointConfig struct {
	Path                   *string   `toml:"path"`
	Handler                *enum     `toml:"handler"`
	RequireToken           *bool     `toml:"require_token"`
	RateLimitEnabled       *bool     `toml:"rate_limit_enabled"`
	RateLimitMaxAttempts   *int      `toml:"rate_limit_max_attempts"`
	RateLimitWindow        *duration `toml:"rate_limit_window"`
	RejectMode             *enum     `toml:"reject_mode"`
	MaxMessageBytes        *int64    `toml:"max_message_bytes"`
	MessageRate            *float64  `toml:"message_rate"`
	MessageBurst           *int      `toml:"message_burst"`
	IdleTimeout            *duration `toml:"idle_timeout"`
	MaxConnectionDuration  *duration `toml:"max_connection_duration"`
	DefaultChannel         *string   `toml:"default_channel"`
	ChannelPattern         *pattern  `toml:"channel_pattern"`
	AllowedHandlers        []string  `toml:"allowed_handlers"`
	PermissionsRequired    []string  `toml:"permissions_required"`
	AllPermissionsRequired []string  `toml:"all_permissions_required"`
}

// defaultConfig returns the embedded defaults, parsed afresh.
func defaultConfig() *config {
	c := &config{}
	if err := c.decode("embedded defaults.toml", defaultsTOML); err != nil {
		// The file is part of the binary and tested; this cannot happen.
		panic(err)
	}
	return c
}

// loadConfigFile reads the TOML file at path over the embedded defaults
// and checks it: an unknown key, a bad value or a duplicate endpoint is an
// error naming the file, the line and the key.
func loadConfigFile(path string) (*config, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c := defaultConfig()
	defaultEndpoints := c.Endpoint
	c.Endpoint = nil
	if err := c.decode(path, doc); err != nil {
		return nil, err
	}
	if c.Endpoint == nil {
		c.Endpoint = defaultEndpoints
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// decode parses doc strictly into c, keeping the values doc leaves out.
func (c *config) decode(file string, doc []byte) error {
	c.file, c.lines = file, keyLines(doc)
	if err := c.checkDurations(doc); err != nil {
		return err
	}
	d := toml.NewDecoder(bytes.NewReader(doc))
	d.DisallowUnknownFields()
	err := d.Decode(c)
	var strict *toml.StrictMissingError
	var de *toml.DecodeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &strict) && len(strict.Errors) > 0:
		e := strict.Errors[0]
		line, _ := e.Position()
		return fmt.Errorf("config %s:%d: %s: unknown key", file, line, strings.Join(e.Key(), "."))
	case errors.As(err, &de):
		line, _ := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		return fmt.Errorf("config %s:%d: %s: %s", file, line, strings.Join(de.Key(), "."), msg)
	}
	return fmt.Errorf("config %s: %w", file, err)
}

// durationKeys are the keys holding durations: "header_timeout",
// "login.window", "endpoint.idle_timeout".
var durationKeys = map[string]bool{
	"header_timeout": true, "drain_timeout": true,
	"login.window": true, "login.session_ttl": true, "token.ttl": true,
	"cleanup.interval": true, "cleanup.token_age": true, "cleanup.rate_limit_age": true,
	"endpoint.rate_limit_window": true, "endpoint.idle_timeout": true,
	"endpoint.max_connection_duration": true,
}

// checkDurations refuses a duration written as a number: "10" would
// otherwise read as ten nanoseconds. A document that does not parse is
// left to the strict decoder, which names the error's line.
func (c *config) checkDurations(doc []byte) error {
	var raw map[string]any
	if toml.Unmarshal(doc, &raw) != nil {
		return nil
	}
	check := func(key, lineKey string, v any) error {
		if _, ok := v.(string); durationKeys[key] && !ok {
			return c.errAt(lineKey, "bad duration %v: want a string like \"90s\", \"5m\" or \"2h\"", v)
		}
		return nil
	}
	for k, v := range raw {
		switch v := v.(type) {
		case map[string]any:
			for k2, v2 := range v {
				if err := check(k+"."+k2, k+"."+k2, v2); err != nil {
					return err
				}
			}
		case []any:
			for i, e := range v {
				m, _ := e.(map[string]any)
				for k2, v2 := range m {
					if err := check(k+"."+k2, fmt.Sprintf("%s.%d.%s", k, i+1, k2), v2); err != nil {
						return err
					}
				}
			}
		default:
			if err := check(k, k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// keyLines maps each key of doc to the line it is set on: "listen",
// "token.ttl", "endpoint.2.path" (endpoints counted from 1). Values that
// the decoder cannot place (a range checked after decoding) are reported
// with these lines. Keys not found map to 0, reported without a line.
func keyLines(doc []byte) map[string]int {
	lines := make(map[string]int)
	section, endpoints := "", 0
	for i, raw := range strings.Split(string(doc), "\n") {
		s := strings.TrimSpace(raw)
		switch {
		case s == "" || s[0] == '#':
		case strings.HasPrefix(s, "[["):
			name := strings.TrimSpace(strings.Trim(s, "[] "))
			endpoints++
			section = fmt.Sprintf("%s.%d.", name, endpoints)
		case s[0] == '[':
			section = strings.TrimSpace(strings.Trim(s, "[] ")) + "."
		default:
			if k, _, ok := strings.Cut(s, "="); ok {
				key := section + strings.TrimSpace(k)
				if _, seen := lines[key]; !seen {
					lines[key] = i + 1
				}
			}
		}
	}
	return lines
}

// errAt returns an error about key naming the file and the key's line.
func (c *config) errAt(key, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if line := c.lines[key]; line > 0 {
		return fmt.Errorf("config %s:%d: %s: %s", c.file, line, key, msg)
	}
	return fmt.Errorf("config %s: %s: %s", c.file, key, msg)
}

// duration is a TOML string such as "90s" or "5m".
type duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("bad duration %q: want a number with a unit, like \"90s\", \"5m\" or \"2h\"", b)
	}
	*d = duration(v)
	return nil
}

// MarshalText prints the duration as Go does.
func (d duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// enum is a string key whose allowed values are checked by validate.
type enum string

// pattern is a regular expression, compiled when the file is read.
type pattern struct{ *regexp.Regexp }

// UnmarshalText compiles the expression.
func (p *pattern) UnmarshalText(b []byte) error {
	re, err := regexp.Compile(string(b))
	if err != nil {
		return fmt.Errorf("bad regular expression: %w", err)
	}
	p.Regexp = re
	return nil
}

// origin is an allowed origin, checked when the file is read.
type origin struct{ server.OriginPattern }

// UnmarshalText parses the origin.
func (o *origin) UnmarshalText(b []byte) error {
	p, err := server.ParseOriginPattern(string(b))
	if err != nil {
		return err
	}
	o.OriginPattern = p
	return nil
}
