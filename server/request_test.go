package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestQueryValue(t *testing.T) {
	tests := []struct {
		raw, key, want string
		ok             bool
	}{
		{"a=1&ws_token=abc&b=2", "ws_token", "abc", true},
		{"ws_token=abc&ws_token=def", "ws_token", "abc", true},
		{"channel=a%20b", "channel", "a b", true},
		{"channel=a+b", "channel", "a b", true},
		{"channel", "channel", "", true},
		{"xchannel=1", "channel", "", false},
		{"", "channel", "", false},
		{"channel=%zz", "channel", "", true},
	}
	for _, tt := range tests {
		got, ok := queryValue(tt.raw, tt.key)
		if got != tt.want || ok != tt.ok {
			t.Errorf("queryValue(%q, %q) = %q, %v; want %q, %v", tt.raw, tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSubprotocolToken(t *testing.T) {
	tests := []struct {
		lines []string
		want  string
		ok    bool
	}{
		{[]string{"wsgate, wsgate.token.abc"}, "abc", true},
		{[]string{"wsgate", "wsgate.token.def"}, "def", true},
		{[]string{"wsgate"}, "", false},
		{nil, "", false},
	}
	for _, tt := range tests {
		got, ok := subprotocolToken(http.Header{"Sec-Websocket-Protocol": tt.lines})
		if got != tt.want || ok != tt.ok {
			t.Errorf("subprotocolToken(%q) = %q, %v; want %q, %v", tt.lines, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCookieValue(t *testing.T) {
	h := http.Header{"Cookie": {"a=1; wsgate_session=s3cr3t; b=2", "c=3"}}
	if got, ok := cookieValue(h, "wsgate_session"); got != "s3cr3t" || !ok {
		t.Errorf("got %q %v, want s3cr3t", got, ok)
	}
	if _, ok := cookieValue(h, "wsgate"); ok {
		t.Error("found a cookie by prefix")
	}
}

func FuzzQueryValue(f *testing.F) {
	f.Add("a=1&channel=x%20y&ws_token=z", "channel")
	f.Add("&&=&channel=+", "channel")
	f.Fuzz(func(t *testing.T, raw, key string) {
		got, ok := queryValue(raw, key)
		// Agree with net/url wherever it parses the whole query and no key
		// is escaped (wsgate's own keys never need escaping).
		vals, err := url.ParseQuery(raw)
		if err != nil || key == "" || escapedKey(raw) {
			return
		}
		want, has := vals[key]
		if ok != has || (has && got != want[0]) {
			t.Fatalf("queryValue(%q, %q) = %q, %v; url.ParseQuery says %q, %v", raw, key, got, ok, want, has)
		}
	})
}

// escapedKey reports whether a key of the raw query is escaped.
func escapedKey(raw string) bool {
	for _, pair := range strings.Split(raw, "&") {
		k, _, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(k, "%+") {
			return true
		}
	}
	return false
}

// FuzzHandshakeHeaders feeds arbitrary Cookie and Sec-WebSocket-Protocol
// lines to the scanners: they must not panic, and what they find must be
// a substring of what was sent (nothing is invented or unescaped).
func FuzzHandshakeHeaders(f *testing.F) {
	f.Add("a=1; wsgate_session=abc", "wsgate, wsgate.token.abc")
	f.Add(`wsgate_session="q"`, ",,wsgate.token.")
	f.Fuzz(func(t *testing.T, cookieLine, protoLine string) {
		h := http.Header{"Cookie": {cookieLine}, "Sec-Websocket-Protocol": {protoLine}}
		if v, ok := cookieValue(h, sessionCookie); ok && !strings.Contains(cookieLine, v) {
			t.Fatalf("cookie %q not in %q", v, cookieLine)
		}
		if v, ok := subprotocolToken(h); ok && !strings.Contains(protoLine, subprotocolPrefix+v) {
			t.Fatalf("token %q not in %q", v, protoLine)
		}
	})
}
