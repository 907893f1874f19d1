package hub

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// Options configures a Hub. A nil *Options, or a zero field, means the
// default named on the field.
type Options struct {
	// Logger receives connection events; default: discard.
	Logger *slog.Logger

	// SendQueue is the number of outgoing messages a connection may have
	// waiting before it counts as a slow consumer and is closed; default
	// 128. The queue is allocated on the first message and grows as it
	// fills, 32 bytes a slot (4 KiB at the default when full); a
	// connection that is sent nothing has none.
	SendQueue int

	// PingInterval is the keepalive period; a peer that does not answer a
	// ping within one interval is dropped. Default 30s; negative disables.
	PingInterval time.Duration

	// WriteTimeout bounds one write to a client; a client that cannot
	// take a message for this long is a slow consumer. Default 10s.
	WriteTimeout time.Duration

	// Observer receives metrics events; default none.
	Observer Observer

	// Clock reads the time for message rates, violation windows and
	// Meta.Since; default time.Now. Idle and duration limits use timers.
	Clock func() time.Time
}

// Hub is the registry of live connections. Build it with New; the zero
// value is not usable. Safe for concurrent use.
type Hub struct {
	opts Options
	obs  Observer
	log  *slog.Logger

	pools sync.Map // *Endpoint to its *limiter.MessagePool

	// mu guards the fields below.
	mu       sync.RWMutex
	conns    map[string]*conn
	channels map[string]map[*conn]struct{} // members of each channel
	counts   map[string]int                // live connections per endpoint
	draining bool                          // Shutdown began: refuse new connections
	drain    time.Duration                 // the drain window Shutdown was given
}

// New returns an empty Hub with opts (nil for defaults).
func New(opts *Options) *Hub {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SendQueue <= 0 {
		o.SendQueue = 128
	}
	if o.PingInterval == 0 {
		o.PingInterval = 30 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	h := &Hub{
		opts:     o,
		obs:      o.Observer,
		log:      o.Logger,
		conns:    make(map[string]*conn),
		channels: make(map[string]map[*conn]struct{}),
		counts:   make(map[string]int),
	}
	if h.obs == nil {
		h.obs = nopObserver{}
	}
	return h
}

// register adds cn to the registry, giving it a fresh ID when it has none
// or a taken one. It reports false once Shutdown has begun.
func (h *Hub) register(cn *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.draining {
		return false
	}
	for cn.meta.ID == "" || h.conns[cn.meta.ID] != nil {
		cn.meta.ID = newID()
	}
	h.conns[cn.meta.ID] = cn
	h.counts[cn.meta.Endpoint]++
	if cn.inChannels() {
		h.joinLocked(cn, cn.meta.Channel)
	}
	return true
}

// unregister removes cn from the registry and from its channel.
func (h *Hub) unregister(cn *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, cn.meta.ID)
	h.counts[cn.meta.Endpoint]--
	if h.counts[cn.meta.Endpoint] <= 0 {
		delete(h.counts, cn.meta.Endpoint)
	}
	if cn.inChannels() {
		h.leaveLocked(cn)
	}
}

// move puts cn into channel ch, leaving its previous one.
func (h *Hub) move(cn *conn, ch string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.leaveLocked(cn)
	h.joinLocked(cn, ch)
}

func (h *Hub) joinLocked(cn *conn, ch string) {
	cn.meta.Channel = ch
	if ch == "" {
		return
	}
	members := h.channels[ch]
	if members == nil {
		members = make(map[*conn]struct{})
		h.channels[ch] = members
	}
	members[cn] = struct{}{}
}

func (h *Hub) leaveLocked(cn *conn) {
	ch := cn.meta.Channel
	members := h.channels[ch]
	delete(members, cn)
	if len(members) == 0 {
		delete(h.channels, ch)
	}
}

// Conns returns a snapshot of the live connections, oldest first.
func (h *Hub) Conns() []Meta {
	h.mu.RLock()
	list := make([]Meta, 0, len(h.conns))
	for _, cn := range h.conns {
		m := cn.meta
		m.Perms = slices.Clone(m.Perms)
		list = append(list, m)
	}
	h.mu.RUnlock()

	slices.SortFunc(list, func(a, b Meta) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return list
}

// Count returns the number of live connections on endpoint (its path).
func (h *Hub) Count(endpoint string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.counts[endpoint]
}

// CloseConn starts closing connection id with code and reason (cut to
// the 123 bytes a close frame carries) and reports whether it was live.
// It does not wait for the closing handshake.
func (h *Hub) CloseConn(id string, code websocket.StatusCode, reason string) bool {
	h.mu.RLock()
	cn := h.conns[id]
	h.mu.RUnlock()
	if cn == nil {
		return false
	}
	cn.requestClose(code, truncateReason(reason), closeGraceful)
	return true
}

// truncateReason cuts s to the longest prefix that fits a close frame,
// on a UTF-8 boundary (RFC 6455 section 5.5: control payloads are at
// most 125 bytes, two of them the code).
func truncateReason(s string) string {
	const max = 123
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// newID returns a short random connection ID: 12 hex digits.
func newID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
