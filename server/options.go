package server

import (
	"log/slog"
	"net/netip"
	"regexp"
	"time"

	"github.com/wsgate/wsgate/persist"
)

// Options configures a Server. The main package builds it from the
// configuration file; the server itself never reads files or flags.
// Zero fields take the defaults documented beside them; New copies the
// struct before filling them in.
type Options struct {
	// DB is the open database: the journal, users, sessions and API keys.
	// Required. The server does not close it.
	DB *persist.DB

	// Logger receives the server's logs. Default: slog.Default().
	Logger *slog.Logger

	// Metrics records the server's metrics. Nil records nothing.
	Metrics *Metrics

	// Journal tunes the journal's queue and batches. Nil: persist's defaults.
	Journal *persist.JournalOptions

	// TrustedProxies are the networks whose X-Forwarded-For and Forwarded
	// headers are believed. Default none: the socket address is the client.
	TrustedProxies []netip.Prefix

	// IPv6Prefix is the prefix length IPv6 clients are keyed by. Default 64.
	IPv6Prefix int

	// AllowedOrigins are the origins, besides the server's own, whose
	// browser pages may open WebSockets and post with cookies: exact
	// "scheme://host[:port]" or "https://*.example.com" for subdomains.
	AllowedOrigins []string

	// MaxConnections caps the open connections of the whole server.
	// Default 100000.
	MaxConnections int

	// MaxConnectionsPerIP caps the open connections of one IP key.
	// Default 200.
	MaxConnectionsPerIP int

	// LimiterMaxKeys is the number of keys each limiter scope holds before
	// it evicts the least recently used. Default 1000000.
	LimiterMaxKeys int

	// MaxViolations is how many protocol violations a connection may make
	// in a minute before it is closed with 1008. Default 10.
	MaxViolations int

	// HeaderTimeout is how long a client may take to send its request
	// headers. Default 10s.
	HeaderTimeout time.Duration

	// MaxHeaderBytes limits the size of request headers; larger requests
	// get 431. Default 16384.
	MaxHeaderBytes int

	// DrainTimeout is the window over which graceful shutdown closes open
	// connections with 1012, spreading their retry hints. Default 10s.
	DrainTimeout time.Duration

	// Login limits POST /api/login and sets the session lifetime.
	Login LoginOptions

	// Token configures the WebSocket tokens of POST /api/ws-token.
	Token TokenOptions

	// Cleanup configures the built-in periodic cleanup.
	Cleanup CleanupOptions

	// Endpoints are the WebSocket endpoints. At least one is required.
	Endpoints []Endpoint

	// Clock returns the current time. Default time.Now. Tests inject it.
	Clock func() time.Time
}

// LoginOptions limits logins per IP key and per username.
type LoginOptions struct {
	// MaxAttempts in any trailing Window, per IP and per username.
	// Default 10.
	MaxAttempts int
	// Window of the login limit. Default 1m.
	Window time.Duration
	// SessionTTL is how long a session cookie stays valid. Default 24h.
	SessionTTL time.Duration
}

// TokenOptions configures the single-use WebSocket tokens.
type TokenOptions struct {
	// TTL is how long a token is valid after it is issued. Default 60s.
	TTL time.Duration
	// MaxPerMinute is how many tokens one user may be issued in any
	// trailing minute. Default 10.
	MaxPerMinute int
	// BindSession binds a token issued to a session to that session's
	// cookie. Turning it off weakens protection against stolen tokens.
	BindSession bool
}

// CleanupOptions configures the periodic deletion of old journal rows.
type CleanupOptions struct {
	// Interval between cleanups; 0 disables the built-in cleanup.
	Interval time.Duration
	// TokenAge: tokens created longer ago are deleted. Default 300s.
	TokenAge time.Duration
	// RateLimitAge: attempt records older than this are deleted.
	// Default 168h. Keep it at least the longest rate-limit window, or a
	// restart forgets attempts that still count.
	RateLimitAge time.Duration
}

// Handler names of Endpoint.Handler.
const (
	HandlerChannels = "channels"
	HandlerEcho     = "echo"
)

// RejectMode is how an endpoint answers a refused handshake.
type RejectMode uint8

const (
	// RejectHTTP answers with an HTTP status before the upgrade.
	RejectHTTP RejectMode = iota
	// RejectClose upgrades, then closes with an application close code
	// whose reason a browser can read.
	RejectClose
)

// Endpoint is one WebSocket endpoint ("view").
type Endpoint struct {
	// Path is where the endpoint is served, such as "/ws/chat".
	Path string
	// Handler is HandlerChannels or HandlerEcho.
	Handler string
	// RequireToken: handshakes must carry a token from POST /api/ws-token.
	RequireToken bool
	// RateLimitEnabled turns on the per-IP and per-user attempt limit.
	RateLimitEnabled bool
	// RateLimitMaxAttempts in any trailing RateLimitWindow, per key.
	RateLimitMaxAttempts int
	// RateLimitWindow of the attempt limit.
	RateLimitWindow time.Duration
	// RejectMode is how refused handshakes are answered.
	RejectMode RejectMode
	// MaxMessageBytes: a larger frame closes the connection with 1009.
	MaxMessageBytes int64
	// MessageRate and MessageBurst are each connection's token bucket.
	MessageRate  float64
	MessageBurst int
	// IdleTimeout closes a silent connection (4408).
	IdleTimeout time.Duration
	// MaxDuration ends every connection after this long (4408).
	MaxDuration time.Duration
	// DefaultChannel is the channel of a handshake without ?channel=.
	DefaultChannel string
	// ChannelPattern must match a channel name.
	ChannelPattern *regexp.Regexp
	// AllowedHandlers are the message handlers a client may call.
	AllowedHandlers []string
	// PermsAny: a caller needs one of these permissions (if any listed).
	PermsAny []string
	// PermsAll: a caller needs all of these permissions.
	PermsAll []string
}

// withDefaults returns a copy of o with zero fields set to their defaults.
func (o *Options) withDefaults() Options {
	c := *o
	setDefault(&c.IPv6Prefix, 64)
	setDefault(&c.MaxConnections, 100000)
	setDefault(&c.MaxConnectionsPerIP, 200)
	setDefault(&c.LimiterMaxKeys, 1000000)
	setDefault(&c.MaxViolations, 10)
	setDefault(&c.HeaderTimeout, 10*time.Second)
	setDefault(&c.MaxHeaderBytes, 16384)
	setDefault(&c.DrainTimeout, 10*time.Second)
	setDefault(&c.Login.MaxAttempts, 10)
	setDefault(&c.Login.Window, time.Minute)
	setDefault(&c.Login.SessionTTL, 24*time.Hour)
	setDefault(&c.Token.TTL, 60*time.Second)
	setDefault(&c.Token.MaxPerMinute, 10)
	setDefault(&c.Cleanup.TokenAge, 300*time.Second)
	setDefault(&c.Cleanup.RateLimitAge, 168*time.Hour)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c
}

// setDefault sets *v to def when it is zero.
func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
