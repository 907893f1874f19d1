package main

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/wsgate/wsgate/server"
)

// defaultEndpoint returns the embedded first endpoint (/ws/chat), whose
// values fill the keys an [[endpoint]] block leaves out.
func defaultEndpoint() endpointConfig {
	var c config
	if err := c.decode("embedded defaults.toml", defaultsTOML); err != nil || len(c.Endpoint) == 0 {
		panic("embedded defaults.toml has no endpoint")
	}
	return c.Endpoint[0]
}

// resolve returns e with every key it leaves out taken from base.
func (e endpointConfig) resolve(base endpointConfig) endpointConfig {
	fill(&e.Path, base.Path)
	fill(&e.Handler, base.Handler)
	fill(&e.RequireToken, base.RequireToken)
	fill(&e.RateLimitEnabled, base.RateLimitEnabled)
	fill(&e.RateLimitMaxAttempts, base.RateLimitMaxAttempts)
	fill(&e.RateLimitWindow, base.RateLimitWindow)
	fill(&e.RejectMode, base.RejectMode)
	fill(&e.MaxMessageBytes, base.MaxMessageBytes)
	fill(&e.MessageRate, base.MessageRate)
	fill(&e.MessageBurst, base.MessageBurst)
	fill(&e.IdleTimeout, base.IdleTimeout)
	fill(&e.MaxConnectionDuration, base.MaxConnectionDuration)
	fill(&e.DefaultChannel, base.DefaultChannel)
	fill(&e.ChannelPattern, base.ChannelPattern)
	if e.AllowedHandlers == nil {
		e.AllowedHandlers = base.AllowedHandlers
	}
	if e.PermissionsRequired == nil {
		e.PermissionsRequired = base.PermissionsRequired
	}
	if e.AllPermissionsRequired == nil {
		e.AllPermissionsRequired = base.AllPermissionsRequired
	}
	return e
}

// fill sets *p to def when *p is nil.
func fill[T any](p **T, def *T) {
	if *p == nil {
		*p = def
	}
}

// serverOptions turns a validated configuration into the server's typed
// options.
func (c *config) serverOptions() *server.Options {
	o := &server.Options{
		TrustedProxies:      append([]netip.Prefix(nil), c.TrustedProxies...),
		IPv6Prefix:          c.IPv6Prefix,
		MaxConnections:      c.MaxConnections,
		MaxConnectionsPerIP: c.MaxConnectionsPerIP,
		LimiterMaxKeys:      c.LimiterMaxKeys,
		MaxViolations:       c.MaxViolations,
		HeaderTimeout:       time.Duration(c.HeaderTimeout),
		MaxHeaderBytes:      c.MaxHeaderBytes,
		DrainTimeout:        time.Duration(c.DrainTimeout),
		Login: server.LoginOptions{
			MaxAttempts: c.Login.MaxAttempts,
			Window:      time.Duration(c.Login.Window),
			SessionTTL:  time.Duration(c.Login.SessionTTL),
		},
		Token: server.TokenOptions{
			TTL:          time.Duration(c.Token.TTL),
			MaxPerMinute: c.Token.MaxPerMinute,
			BindSession:  c.Token.BindSession,
		},
		Cleanup: server.CleanupOptions{
			Interval:     time.Duration(c.Cleanup.Interval),
			TokenAge:     time.Duration(c.Cleanup.TokenAge),
			RateLimitAge: time.Duration(c.Cleanup.RateLimitAge),
		},
	}
	for _, a := range c.AllowedOrigins {
		o.AllowedOrigins = append(o.AllowedOrigins, a.String())
	}
	base := defaultEndpoint()
	for _, e := range c.Endpoint {
		o.Endpoints = append(o.Endpoints, e.resolve(base).options())
	}
	return o
}

// options converts a resolved endpoint block.
func (e endpointConfig) options() server.Endpoint {
	mode := server.RejectHTTP
	if *e.RejectMode == "close" {
		mode = server.RejectClose
	}
	return server.Endpoint{
		Path:                 *e.Path,
		Handler:              string(*e.Handler),
		RequireToken:         *e.RequireToken,
		RateLimitEnabled:     *e.RateLimitEnabled,
		RateLimitMaxAttempts: *e.RateLimitMaxAttempts,
		RateLimitWindow:      time.Duration(*e.RateLimitWindow),
		RejectMode:           mode,
		MaxMessageBytes:      *e.MaxMessageBytes,
		MessageRate:          *e.MessageRate,
		MessageBurst:         *e.MessageBurst,
		IdleTimeout:          time.Duration(*e.IdleTimeout),
		MaxDuration:          time.Duration(*e.MaxConnectionDuration),
		DefaultChannel:       *e.DefaultChannel,
		ChannelPattern:       e.ChannelPattern.Regexp,
		AllowedHandlers:      e.AllowedHandlers,
		PermsAny:             e.PermissionsRequired,
		PermsAll:             e.AllPermissionsRequired,
	}
}

// logLevel returns the slog level of log_level.
func (c *config) logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return slog.LevelInfo
	}
	return l
}
