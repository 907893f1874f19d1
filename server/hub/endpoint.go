package hub

import (
	"regexp"
	"time"

	"github.com/coder/websocket"
)

// Handler names of [Endpoint.Handler].
const (
	HandlerChannels = "channels"
	HandlerEcho     = "echo"
)

// Endpoint is the per-endpoint configuration the hub enforces. The server
// builds one per configured endpoint at start and shares it by pointer
// between connections; it must not change afterwards.
type Endpoint struct {
	Path    string // the URL path, used as the endpoint's name
	Handler string // HandlerChannels or HandlerEcho

	// MaxMessageBytes is the read limit of one message; larger frames
	// close the connection with 1009. 0 means the library default (32 KiB).
	MaxMessageBytes int64

	// MessageRate and MessageBurst form each connection's token bucket,
	// on either handler. A rate of 0 or less disables message rate
	// limiting. The channels handler answers a message over the rate with
	// an error frame; echo, whose stream carries only the client's own
	// frames, drops it. Either closes with 4429 a connection that stays
	// over the rate for 5 seconds.
	MessageRate  float64
	MessageBurst int

	// IdleTimeout closes a connection with 4408 when the client sent no
	// message for this long; MaxDuration closes it with 4408 this long
	// after it opened. 0 disables either.
	IdleTimeout time.Duration
	MaxDuration time.Duration

	// ChannelPattern validates channel names on change_channel; nil
	// accepts any non-empty name of at most 256 bytes.
	ChannelPattern *regexp.Regexp

	// AllowedHandlers lists the client handlers callable here; names
	// starting with "_" are never callable, listed or not.
	AllowedHandlers []string

	// PermsAny requires at least one of these permissions, PermsAll all
	// of them, for every handler call. Empty lists require nothing.
	PermsAny []string
	PermsAll []string

	// MaxViolations is how many protocol violations a connection may make
	// in any trailing minute; one more closes it with 1008. 0 means 10.
	MaxViolations int
}

// Meta describes one live connection, as the admin API lists it.
type Meta struct {
	ID       string // assigned by the hub if empty or already in use
	Endpoint string
	Channel  string // "" for echo
	User     string // "" when anonymous
	IP       string // the IP key's text
	Perms    []string
	Since    time.Time // set from Options.Clock if zero
}

// Observer receives the hub's metrics events. The hub calls it without
// holding any lock, from the connections' goroutines, so implementations
// must be safe for concurrent use. A nil Observer in Options means none.
type Observer interface {
	// Opened and Closed bracket every connection the hub served; code is
	// the one sent, or received from a peer that closed first (1006 when
	// the connection just ended).
	Opened(endpoint string)
	Closed(endpoint string, code websocket.StatusCode)

	// MessageIn counts a client message; MessageOut counts n messages
	// written to one client (fan-out, answers, errors and pushes).
	MessageIn(endpoint string)
	MessageOut(endpoint string, n int)

	// Violation counts a refused client frame. reason is an error frame's
	// code (bad_json, bad_frame, unknown_handler, permission_denied,
	// bad_channel, rate_limited) or why a frame closed the connection
	// (message_too_big, binary_frame, invalid_utf8).
	Violation(endpoint, reason string)

	// SlowConsumer counts a connection closed for not reading.
	SlowConsumer(endpoint string)
}

// nopObserver is the Observer used when none is configured.
type nopObserver struct{}

func (nopObserver) Opened(string)                       {}
func (nopObserver) Closed(string, websocket.StatusCode) {}
func (nopObserver) MessageIn(string)                    {}
func (nopObserver) MessageOut(string, int)              {}
func (nopObserver) Violation(string, string)            {}
func (nopObserver) SlowConsumer(string)                 {}
