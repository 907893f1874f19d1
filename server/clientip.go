package server

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientIPs finds the address a request is counted against. It is built
// once at start and read-only after, so it is safe for concurrent use.
type clientIPs struct {
	trusted    []netip.Prefix
	ipv6Prefix int
}

// addr returns the client's address: the socket's address, or, when the
// socket's peer is a trusted proxy, the right-most address of
// X-Forwarded-For (or, without it, Forwarded) that is not itself trusted.
// Walking from the right means a client can only prepend addresses that
// are never reached. An address that cannot be parsed stops the walk at
// the nearest trusted hop, so garbage never picks someone else's key.
func (c *clientIPs) addr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		// Not a TCP peer (a test harness or a unix socket): one shared key.
		return netip.IPv4Unspecified()
	}
	peer := ap.Addr().Unmap()
	if !c.isTrusted(peer) {
		return peer
	}
	if xff := r.Header["X-Forwarded-For"]; len(xff) > 0 {
		return c.walk(peer, xff, parseXFFElement)
	}
	if fwd := r.Header["Forwarded"]; len(fwd) > 0 {
		return c.walk(peer, fwd, parseForwardedElement)
	}
	return peer
}

// key returns the address an IP key stands for: IPv4 as is, IPv6 masked
// to the configured prefix. It is what the journal records.
func (c *clientIPs) key(a netip.Addr) netip.Addr {
	if a.Is4() {
		return a
	}
	p, err := a.Prefix(c.ipv6Prefix)
	if err != nil {
		return a
	}
	return p.Addr()
}

// isTrusted reports whether a lies in one of the trusted networks. The
// list is short, so a linear scan beats any index.
func (c *clientIPs) isTrusted(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// walk returns the right-most untrusted address of the comma-separated
// elements in lines (header lines in arrival order), starting from the
// trusted peer. If every hop is trusted, the left-most one is the client.
func (c *clientIPs) walk(peer netip.Addr, lines []string,
	parse func(string) (netip.Addr, bool)) netip.Addr {
	last := peer
	for i := len(lines) - 1; i >= 0; i-- {
		line := lines[i]
		for line != "" {
			elem := line
			if j := strings.LastIndexByte(line, ','); j >= 0 {
				elem, line = line[j+1:], line[:j]
			} else {
				line = ""
			}
			a, ok := parse(strings.TrimSpace(elem))
			if !ok {
				return last
			}
			if !c.isTrusted(a) {
				return a
			}
			last = a
		}
	}
	return last
}

// parseXFFElement parses one X-Forwarded-For element: an address,
// optionally with a port ("192.0.2.1:443", "[2001:db8::1]:443").
func parseXFFElement(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// parseForwardedElement parses the for= parameter of one Forwarded element
// (RFC 7239 section 4): `for=192.0.2.60;proto=http` or
// `for="[2001:db8:cafe::17]:4711"`. Obfuscated or "unknown" nodes do not
// parse, which stops the walk.
func parseForwardedElement(s string) (netip.Addr, bool) {
	for s != "" {
		pair := s
		if j := strings.IndexByte(s, ';'); j >= 0 {
			pair, s = s[:j], s[j+1:]
		} else {
			s = ""
		}
		pair = strings.TrimSpace(pair)
		if len(pair) < 4 || !strings.EqualFold(pair[:4], "for=") {
			continue
		}
		v := strings.Trim(pair[4:], `"`)
		if strings.HasPrefix(v, "[") {
			end := strings.IndexByte(v, ']')
			if end < 0 {
				return netip.Addr{}, false
			}
			v = v[1:end]
		}
		return parseXFFElement(v)
	}
	return netip.Addr{}, false
}

// peerTrusted reports whether r's socket peer is a trusted proxy.
func (c *clientIPs) peerTrusted(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && c.isTrusted(ap.Addr().Unmap())
}
