package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/wsgate/wsgate/limiter"
	"github.com/wsgate/wsgate/persist"
	"github.com/wsgate/wsgate/server/hub"
)

// Server is wsgate's HTTP server: the connect path in front of the hub,
// the token and login API, the probes and the static files. Build it with
// New, run it with Serve and stop it with Shutdown. Its methods are safe
// for concurrent use.
type Server struct {
	opts    Options
	log     *slog.Logger
	clock   func() time.Time
	db      *persist.DB
	journal *persist.Journal
	metrics *Metrics
	hub     *hub.Hub
	logs    throttledLogs // rejections and suspicious patterns, in logthrottle_server.go

	ips           clientIPs
	origins       origins
	capacity      *capacity
	tokens        *tokenStore
	tokenIssues   *limiter.Window  // token.max_per_minute per user
	logins        *limiter.Limiter // login.max_attempts per IP and username
	endpoints     map[string]*endpoint
	acceptOptions *websocket.AcceptOptions
	handler       http.Handler
	http          *http.Server

	// ctx is the connections' context, cancelled when Shutdown gives up
	// waiting for them.
	ctx    context.Context
	cancel context.CancelFunc

	draining atomic.Bool // Shutdown began: refuse handshakes, /readyz 503

	maintenance     sync.WaitGroup
	stopMaintenance context.CancelFunc
	shutdownOnce    sync.Once
	shutdownErr     error
}

// endpoint is one configured endpoint with what the server built for it.
type endpoint struct {
	Endpoint
	limits  *limiter.Limiter // nil when rate limiting is off
	hub     *hub.Endpoint
	metrics *EndpointMetrics
}

// New builds a server from opts: it checks them, warms the limiters from
// the journal's attempts and reloads the valid tokens, then starts the
// journal writer and the periodic cleanup. Call Shutdown to stop both
// even if Serve is never called.
func New(ctx context.Context, opts *Options) (*Server, error) {
	if opts == nil || opts.DB == nil {
		return nil, errors.New("start server: no database")
	}
	o := opts.withDefaults()
	s := &Server{
		opts:          o,
		log:           o.Logger,
		clock:         o.Clock,
		db:            o.DB,
		metrics:       o.Metrics,
		logs:          newThrottledLogs(o.Logger),
		ips:           clientIPs{trusted: o.TrustedProxies, ipv6Prefix: o.IPv6Prefix},
		capacity:      newCapacity(o.MaxConnections, o.MaxConnectionsPerIP),
		tokens:        newTokenStore(o.Token.TTL),
		acceptOptions: newAcceptOptions(),
	}
	if err := s.build(); err != nil {
		return nil, err
	}
	if err := s.warmStart(ctx); err != nil {
		return nil, err
	}
	s.startJournal()
	s.hub = hub.New(&hub.Options{
		Logger: s.log.With("component", "hub"), Observer: s.observer(), Clock: s.clock,
	})
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.handler = s.routes()
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: o.HeaderTimeout,
		// A request's body gets as long again as its headers: API bodies
		// are small, and a body sent a byte at a time must not hold its
		// connection (or a graceful shutdown) forever. A WebSocket upgrade
		// is not cut by it: hijacking clears the connection's deadlines.
		ReadTimeout:    2 * o.HeaderTimeout,
		MaxHeaderBytes: o.MaxHeaderBytes,
		IdleTimeout:    2 * time.Minute,
		// net/http reports failures of its own here, such as running out of
		// file descriptors while accepting: an operator must see them.
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.startMaintenance()
	return s, nil
}

// build checks the options and builds the origins, limiters and endpoints.
func (s *Server) build() error {
	for _, raw := range s.opts.AllowedOrigins {
		p, err := ParseOriginPattern(raw)
		if err != nil {
			return fmt.Errorf("start server: %w", err)
		}
		s.origins.allowed = append(s.origins.allowed, p)
	}
	lopts := &limiter.Options{MaxKeys: s.opts.LimiterMaxKeys}
	issue := limiter.Policy{Max: s.opts.Token.MaxPerMinute, Window: tokenIssueWindow}
	login := limiter.Policy{Max: s.opts.Login.MaxAttempts, Window: s.opts.Login.Window}
	for _, p := range []limiter.Policy{issue, login} {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("start server: %w", err)
		}
	}
	s.tokenIssues = limiter.NewWindow(issue, lopts)
	s.logins = limiter.New(login, lopts)
	s.metrics.WatchWindow(ScopeUser, s.tokenIssues)
	s.metrics.WatchWindow(ScopeIP, s.logins.IP())
	s.metrics.WatchWindow(ScopeUser, s.logins.User())
	return s.buildEndpoints(lopts)
}

// buildEndpoints builds each endpoint's limiter and hub configuration.
func (s *Server) buildEndpoints(lopts *limiter.Options) error {
	if len(s.opts.Endpoints) == 0 {
		return errors.New("start server: no endpoints configured")
	}
	s.endpoints = make(map[string]*endpoint, len(s.opts.Endpoints))
	for _, e := range s.opts.Endpoints {
		if _, dup := s.endpoints[e.Path]; dup {
			return fmt.Errorf("start server: endpoint %s configured twice", e.Path)
		}
		if e.Handler == HandlerChannels && e.ChannelPattern == nil {
			return fmt.Errorf("start server: endpoint %s: channels need a channel pattern", e.Path)
		}
		ep := &endpoint{Endpoint: e, metrics: s.metrics.Endpoint(e.Path),
			hub: hubEndpoint(e, s.opts.MaxViolations)}
		if e.RateLimitEnabled {
			p := limiter.Policy{Max: e.RateLimitMaxAttempts, Window: e.RateLimitWindow}
			if err := p.Validate(); err != nil {
				return fmt.Errorf("start server: endpoint %s: %w", e.Path, err)
			}
			ep.limits = limiter.New(p, lopts)
			s.metrics.WatchWindow(ScopeIP, ep.limits.IP())
			s.metrics.WatchWindow(ScopeUser, ep.limits.User())
		}
		s.endpoints[e.Path] = ep
	}
	return nil
}

// hubEndpoint is the part of an endpoint the hub enforces.
func hubEndpoint(e Endpoint, maxViolations int) *hub.Endpoint {
	return &hub.Endpoint{
		Path:            e.Path,
		Handler:         e.Handler,
		MaxMessageBytes: e.MaxMessageBytes,
		MessageRate:     e.MessageRate,
		MessageBurst:    e.MessageBurst,
		IdleTimeout:     e.IdleTimeout,
		MaxDuration:     e.MaxDuration,
		ChannelPattern:  e.ChannelPattern,
		AllowedHandlers: e.AllowedHandlers,
		PermsAny:        e.PermsAny,
		PermsAll:        e.PermsAll,
		MaxViolations:   maxViolations,
	}
}

// startJournal starts the journal writer, reporting flushes to the metrics.
func (s *Server) startJournal() {
	jo := persist.JournalOptions{}
	if s.opts.Journal != nil {
		jo = *s.opts.Journal
	}
	if jo.OnFlush == nil && s.metrics != nil {
		jo.OnFlush = s.metrics.JournalFlushed
	}
	if jo.OnError == nil {
		jo.OnError = func(err error, rows int) {
			s.log.Error("write journal", "rows", rows, "err", err)
		}
	}
	s.journal = persist.NewJournal(s.db, &jo)
	s.metrics.WatchJournal(s.journal)
	s.metrics.WatchDatabase(s.db)
}

// observer returns the hub's metrics observer; a nil interface when there
// are no metrics, never an interface holding a nil pointer.
func (s *Server) observer() hub.Observer {
	if s.metrics == nil {
		return nil
	}
	return s.metrics
}

// Handler returns the server's HTTP handler, for tests and for embedding
// behind another server.
func (s *Server) Handler() http.Handler { return s.handler }

// Hub returns the registry of live connections.
func (s *Server) Hub() *hub.Hub { return s.hub }

// Serve accepts connections on ln until Shutdown. It returns nil after a
// graceful shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
