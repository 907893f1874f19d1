package main

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/wsgate/wsgate/limiter"
)

// reservedPaths are served by wsgate itself; no endpoint may take them.
var reservedPaths = []string{"/api/", "/static/", "/admin", "/metrics", "/healthz", "/readyz"}

// validate checks the values the decoder cannot: ranges, enums, endpoint
// paths. The first problem found is the error, named by file, line and key.
func (c *config) validate() error {
	checks := []func() error{c.validateTop, c.validateSections, c.validateEndpoints}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c *config) validateTop() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return c.errAt("listen", "want host:port, like \"127.0.0.1:8080\": %v", err)
	}
	if c.Database == "" {
		return c.errAt("database", "must name a file")
	}
	if err := oneOf(c.LogFormat, "text", "json"); err != nil {
		return c.errAt("log_format", "%v", err)
	}
	if err := oneOf(c.LogLevel, "debug", "info", "warn", "error"); err != nil {
		return c.errAt("log_level", "%v", err)
	}
	if c.IPv6Prefix < 1 || c.IPv6Prefix > 128 {
		return c.errAt("ipv6_prefix", "%d is not between 1 and 128", c.IPv6Prefix)
	}
	ints := []struct {
		key string
		v   int
		min int
	}{
		{"max_connections", c.MaxConnections, 1},
		{"max_connections_per_ip", c.MaxConnectionsPerIP, 1},
		{"limiter_max_keys", c.LimiterMaxKeys, 1},
		{"max_violations", c.MaxViolations, 1},
		{"max_header_bytes", c.MaxHeaderBytes, 1024},
	}
	for _, n := range ints {
		if n.v < n.min {
			return c.errAt(n.key, "%d is less than %d", n.v, n.min)
		}
	}
	return c.positive(map[string]duration{"header_timeout": c.HeaderTimeout},
		map[string]duration{"drain_timeout": c.DrainTimeout})
}

func (c *config) validateSections() error {
	if err := c.policy("login.max_attempts", c.Login.MaxAttempts, c.Login.Window); err != nil {
		return err
	}
	err := c.policy("token.max_per_minute", c.Token.MaxPerMinute, duration(time.Minute))
	if err != nil {
		return err
	}
	return c.positive(map[string]duration{
		"login.window":           c.Login.Window,
		"login.session_ttl":      c.Login.SessionTTL,
		"token.ttl":              c.Token.TTL,
		"cleanup.token_age":      c.Cleanup.TokenAge,
		"cleanup.rate_limit_age": c.Cleanup.RateLimitAge,
	}, map[string]duration{"cleanup.interval": c.Cleanup.Interval})
}

// positive checks that the durations of pos are above zero and those of
// nonNeg at least zero.
func (c *config) positive(pos, nonNeg map[string]duration) error {
	for k, d := range pos {
		if d <= 0 {
			return c.errAt(k, "must be longer than zero")
		}
	}
	for k, d := range nonNeg {
		if d < 0 {
			return c.errAt(k, "must not be negative")
		}
	}
	return nil
}

// policy checks an attempt limit; key names its max.
func (c *config) policy(key string, max int, window duration) error {
	p := limiter.Policy{Max: max, Window: time.Duration(window)}
	if err := p.Validate(); err != nil {
		return c.errAt(key, "%v", err)
	}
	return nil
}

func (c *config) validateEndpoints() error {
	if len(c.Endpoint) == 0 {
		return c.errAt("endpoint", "configure at least one [[endpoint]]")
	}
	base := defaultEndpoint()
	seen := make(map[string]bool)
	for i := range c.Endpoint {
		e := c.Endpoint[i].resolve(base)
		prefix := fmt.Sprintf("endpoint.%d.", i+1)
		if seen[*e.Path] {
			return c.errAt(prefix+"path", "%s is configured twice", *e.Path)
		}
		seen[*e.Path] = true
		if err := c.validateEndpoint(prefix, &e); err != nil {
			return err
		}
	}
	return nil
}

func (c *config) validateEndpoint(prefix string, e *endpointConfig) error {
	path := *e.Path
	if !strings.HasPrefix(path, "/") || path == "/" || strings.ContainsAny(path, "?# {}") {
		return c.errAt(prefix+"path", "%q must be a path like \"/ws/chat\"", path)
	}
	for _, r := range reservedPaths {
		if strings.HasPrefix(path+"/", r) || strings.HasPrefix(path, r) {
			return c.errAt(prefix+"path", "%s is reserved for wsgate's own %s", path, r)
		}
	}
	if err := oneOf(*e.Handler, "channels", "echo"); err != nil {
		return c.errAt(prefix+"handler", "%v", err)
	}
	if err := oneOf(*e.RejectMode, "http", "close"); err != nil {
		return c.errAt(prefix+"reject_mode", "%v", err)
	}
	if *e.RateLimitEnabled {
		err := c.policy(prefix+"rate_limit_max_attempts", *e.RateLimitMaxAttempts, *e.RateLimitWindow)
		if err != nil {
			return err
		}
	}
	if *e.MaxMessageBytes < 1 {
		return c.errAt(prefix+"max_message_bytes", "must be at least 1")
	}
	if *e.MessageRate < 0 || (*e.MessageRate > 0 && *e.MessageBurst < 1) {
		return c.errAt(prefix+"message_burst", "a positive message_rate needs a burst of at least 1")
	}
	if *e.Handler == "channels" && !e.ChannelPattern.MatchString(*e.DefaultChannel) {
		return c.errAt(prefix+"default_channel", "%q does not match channel_pattern", *e.DefaultChannel)
	}
	return c.positive(nil, map[string]duration{
		prefix + "idle_timeout":            *e.IdleTimeout,
		prefix + "max_connection_duration": *e.MaxConnectionDuration,
	})
}

// oneOf reports an error unless v is one of allowed.
func oneOf(v enum, allowed ...string) error {
	for _, a := range allowed {
		if string(v) == a {
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
}
