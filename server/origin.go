package server

import (
	"fmt"
	"net/http"
	"strings"
)

// OriginPattern is one entry of allowed_origins: an exact origin
// ("https://app.example.com:8443") or a wildcard over subdomains
// ("https://*.example.com", which does not match example.com itself).
// Build it with ParseOriginPattern; it is immutable.
type OriginPattern struct {
	scheme   string
	host     string // lowercase; for a wildcard, the parent domain
	port     string // "" for the scheme's default port
	wildcard bool
}

// ParseOriginPattern parses an allowed origin. It refuses anything but
// scheme://host[:port], so a path or a trailing slash is a configuration
// error rather than a pattern that never matches.
func ParseOriginPattern(s string) (OriginPattern, error) {
	scheme, host, port, ok := splitOrigin(s)
	if !ok || host == "" {
		return OriginPattern{}, fmt.Errorf("parse origin %q: want scheme://host[:port]", s)
	}
	p := OriginPattern{scheme: strings.ToLower(scheme), host: strings.ToLower(host), port: port}
	if strings.HasPrefix(p.host, "*.") {
		p.wildcard, p.host = true, p.host[2:]
	}
	if strings.Contains(p.host, "*") || p.host == "" {
		return OriginPattern{}, fmt.Errorf("parse origin %q: a wildcard may only be "+
			"the first label, as in https://*.example.com", s)
	}
	return p, nil
}

// String returns the pattern in its normal form.
func (p OriginPattern) String() string {
	s := p.scheme + "://"
	if p.wildcard {
		s += "*."
	}
	s += p.host
	if p.port != "" {
		s += ":" + p.port
	}
	return s
}

// match reports whether the parts of a request's origin match p. Scheme
// and host compare case-insensitively; nothing allocates.
func (p OriginPattern) match(scheme, host, port string) bool {
	if !strings.EqualFold(scheme, p.scheme) || port != p.port {
		return false
	}
	if !p.wildcard {
		return strings.EqualFold(host, p.host)
	}
	n := len(host) - len(p.host)
	return n >= 2 && host[n-1] == '.' && strings.EqualFold(host[n:], p.host)
}

// origins decides whether a browser page's origin may use the server. It
// is read-only after start and safe for concurrent use.
type origins struct {
	allowed []OriginPattern
}

// allow reports whether the Origin header value origin is the server's
// own origin or an allowed one. https reports whether the client reached
// the server over TLS (directly or through a trusted proxy).
func (o *origins) allow(origin string, r *http.Request, https bool) bool {
	scheme, host, port, ok := splitOrigin(origin)
	if !ok {
		return false
	}
	if o.self(scheme, host, port, r.Host, https) {
		return true
	}
	for _, p := range o.allowed {
		if p.match(scheme, host, port) {
			return true
		}
	}
	return false
}

// self reports whether the origin is the server's own: the host the
// request was sent to, with the scheme it arrived over.
func (o *origins) self(scheme, host, port, reqHost string, https bool) bool {
	want := "http"
	if https {
		want = "https"
	}
	if !strings.EqualFold(scheme, want) {
		return false
	}
	rh, rp, ok := splitHostPort(want, reqHost)
	return ok && port == rp && strings.EqualFold(host, rh)
}

// splitOrigin splits "scheme://host[:port]" into its parts, dropping the
// port when it is the scheme's default so that https://a and https://a:443
// compare equal.
func splitOrigin(s string) (scheme, host, port string, ok bool) {
	i := strings.Index(s, "://")
	if i <= 0 {
		return "", "", "", false
	}
	scheme = s[:i]
	host, port, ok = splitHostPort(scheme, s[i+3:])
	return scheme, host, port, ok
}

// splitHostPort splits "host[:port]" (IPv6 hosts keep their brackets) and
// drops the port when it is scheme's default. It does not allocate.
func splitHostPort(scheme, s string) (host, port string, ok bool) {
	if s == "" || strings.ContainsAny(s, "/?#@ ") {
		return "", "", false
	}
	host = s
	if j := strings.LastIndexByte(s, ':'); j >= 0 && !strings.HasSuffix(s, "]") {
		host, port = s[:j], s[j+1:]
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return "", "", false
		}
	}
	if (port == "80" && strings.EqualFold(scheme, "http")) ||
		(port == "443" && strings.EqualFold(scheme, "https")) {
		port = ""
	}
	return host, port, host != ""
}
