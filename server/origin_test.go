package server

import (
	"net/http"
	"testing"
)

func TestParseOriginPattern(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"https://example.com", "https://example.com", true},
		{"HTTPS://Example.COM:443", "https://example.com", true},
		{"http://localhost:8080", "http://localhost:8080", true},
		{"https://*.example.com", "https://*.example.com", true},
		{"https://example.com/", "", false},
		{"example.com", "", false},
		{"https://a.*.example.com", "", false},
		{"https://*.", "", false},
		{"https://example.com:abc", "", false},
		{"https://user@example.com", "", false},
	}
	for _, tt := range tests {
		p, err := ParseOriginPattern(tt.in)
		if (err == nil) != tt.ok || (tt.ok && p.String() != tt.want) {
			t.Errorf("ParseOriginPattern(%q) = %q, %v; want %q, ok %v", tt.in, p, err, tt.want, tt.ok)
		}
	}
}

func TestOriginsAllow(t *testing.T) {
	var o origins
	for _, s := range []string{"https://example.com", "https://*.example.org", "http://[::1]:3000"} {
		p, err := ParseOriginPattern(s)
		if err != nil {
			t.Fatal(err)
		}
		o.allowed = append(o.allowed, p)
	}
	tests := []struct {
		origin, host string
		https, want  bool
	}{
		{"https://example.com", "gw", false, true},
		{"https://EXAMPLE.com:443", "gw", false, true},
		{"https://example.com.evil.tld", "gw", false, false},
		{"https://evil.tld/example.com", "gw", false, false},
		{"http://example.com", "gw", false, false},
		{"https://x.example.org", "gw", false, true},
		{"https://x.y.example.org", "gw", false, true},
		{"https://example.org", "gw", false, false},
		{"https://xexample.org", "gw", false, false},
		{"http://[::1]:3000", "gw", false, true},
		{"http://gw:8080", "gw:8080", false, true},   // own origin
		{"https://gw:8080", "gw:8080", false, false}, // own host, other scheme
		{"https://gw", "gw:443", true, true},         // own origin over TLS
		{"http://gw:8081", "gw:8080", false, false},  // own host, other port
		{"null", "gw", false, false},
		{"", "gw", false, false},
	}
	for _, tt := range tests {
		r := &http.Request{Host: tt.host}
		if got := o.allow(tt.origin, r, tt.https); got != tt.want {
			t.Errorf("allow(%q) on %s (https %v) = %v, want %v", tt.origin, tt.host, tt.https, got, tt.want)
		}
	}
}

func FuzzOriginMatch(f *testing.F) {
	f.Add("https://a.example.com")
	f.Add("https://example.com.evil.tld")
	f.Add("http://[::1]:80")
	p, _ := ParseOriginPattern("https://*.example.com")
	exact, _ := ParseOriginPattern("https://example.com")
	o := origins{allowed: []OriginPattern{p, exact}}
	f.Fuzz(func(t *testing.T, origin string) {
		r := &http.Request{Host: "gw.test"}
		if !o.allow(origin, r, true) {
			return
		}
		// Whatever matched must end in example.com or be the own origin.
		scheme, host, _, ok := splitOrigin(origin)
		if !ok || (host != "gw.test" && !hasSuffixFold(host, "example.com")) || !equalFold(scheme, "https") {
			t.Fatalf("%q matched", origin)
		}
	})
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && equalFold(s[len(s)-len(suffix):], suffix)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}
