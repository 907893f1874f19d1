package server

import (
	"net/http"
	"net/url"
	"strings"
)

// The helpers below read the few parts of a handshake the connect path
// needs straight from the raw request, without building url.Values or
// []*http.Cookie: the connect path must not allocate for what it ignores.

// queryValue returns the first value of key in the raw query string.
// Only a value that is actually escaped is unescaped (and allocates).
func queryValue(raw, key string) (string, bool) {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(pair, "=")
		if k != key {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			u, err := url.QueryUnescape(v)
			if err != nil {
				return "", true
			}
			v = u
		}
		return v, true
	}
	return "", false
}

// Subprotocols of the token handshake (SPEC section 4, step 6).
const (
	subprotocol       = "wsgate"
	subprotocolPrefix = "wsgate.token."
)

// subprotocolToken returns the token a client offered as the subprotocol
// "wsgate.token.<token>", which keeps it out of URLs and access logs.
func subprotocolToken(h http.Header) (string, bool) {
	for _, line := range h["Sec-Websocket-Protocol"] {
		for line != "" {
			var elem string
			elem, line, _ = strings.Cut(line, ",")
			elem = strings.TrimSpace(elem)
			if strings.HasPrefix(elem, subprotocolPrefix) {
				return elem[len(subprotocolPrefix):], true
			}
		}
	}
	return "", false
}

// cookieValue returns the value of the cookie name in h's Cookie lines.
func cookieValue(h http.Header, name string) (string, bool) {
	for _, line := range h["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && k == name {
				return strings.Trim(v, `"`), true
			}
		}
	}
	return "", false
}

// headerHasToken reports whether a comma-separated header of h contains
// token, case-insensitively (RFC 6455 section 4.2.1: Connection: upgrade).
func headerHasToken(h http.Header, name, token string) bool {
	for _, line := range h[name] {
		for line != "" {
			var elem string
			elem, line, _ = strings.Cut(line, ",")
			if strings.EqualFold(strings.TrimSpace(elem), token) {
				return true
			}
		}
	}
	return false
}
