package server

import (
	"net/http"
	"net/netip"
	"testing"
)

func mustPrefixes(cidrs ...string) []netip.Prefix {
	var ps []netip.Prefix
	for _, c := range cidrs {
		ps = append(ps, netip.MustParsePrefix(c))
	}
	return ps
}

func TestClientIP(t *testing.T) {
	ips := clientIPs{trusted: mustPrefixes("10.0.0.0/8", "2001:db8:ffff::/48"), ipv6Prefix: 64}
	tests := []struct {
		name, remote string
		xff, fwd     []string
		want         string
	}{
		{"socket", "192.0.2.7:5000", nil, nil, "192.0.2.7"},
		{"untrusted peer ignores xff", "192.0.2.7:5000", []string{"203.0.113.9"}, nil, "192.0.2.7"},
		{"mapped v4", "[::ffff:192.0.2.7]:5000", nil, nil, "192.0.2.7"},
		{"trusted peer, xff", "10.1.1.1:5000", []string{"203.0.113.9"}, nil, "203.0.113.9"},
		{"right-most untrusted", "10.1.1.1:5000", []string{"198.51.100.1, 203.0.113.9, 10.2.2.2"}, nil, "203.0.113.9"},
		{"spoofed left part", "10.1.1.1:5000", []string{"1.1.1.1", "203.0.113.9"}, nil, "203.0.113.9"},
		{"all trusted", "10.1.1.1:5000", []string{"10.3.3.3, 10.2.2.2"}, nil, "10.3.3.3"},
		{"garbage stops at last trusted", "10.1.1.1:5000", []string{"203.0.113.9, bogus, 10.2.2.2"}, nil, "10.2.2.2"},
		{"xff with port", "10.1.1.1:5000", []string{"203.0.113.9:1234"}, nil, "203.0.113.9"},
		{"forwarded", "10.1.1.1:5000", nil, []string{`for=198.51.100.1, for="[2001:db8:1::5]:4711";proto=https`}, "2001:db8:1::5"},
		{"forwarded obfuscated", "10.1.1.1:5000", nil, []string{"for=_hidden"}, "10.1.1.1"},
		{"xff wins over forwarded", "10.1.1.1:5000", []string{"203.0.113.9"}, []string{"for=198.51.100.1"}, "203.0.113.9"},
		{"not tcp", "@", nil, nil, "0.0.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
			if tt.xff != nil {
				r.Header["X-Forwarded-For"] = tt.xff
			}
			if tt.fwd != nil {
				r.Header["Forwarded"] = tt.fwd
			}
			if got := ips.addr(r); got.String() != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestClientIPKey(t *testing.T) {
	ips := clientIPs{ipv6Prefix: 64}
	for in, want := range map[string]string{
		"192.0.2.1":            "192.0.2.1",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::",
	} {
		if got := ips.key(netip.MustParseAddr(in)); got.String() != want {
			t.Errorf("key(%s) = %s, want %s", in, got, want)
		}
	}
}

func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.1:1", "1.2.3.4, 10.0.0.2", `for="[::1]:80";by=x`)
	f.Add("10.0.0.1:1", ",,,", "for=")
	ips := clientIPs{trusted: mustPrefixes("10.0.0.0/8"), ipv6Prefix: 64}
	f.Fuzz(func(t *testing.T, remote, xff, fwd string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{"X-Forwarded-For": {xff}}}
		a := ips.addr(r)
		if !a.IsValid() {
			t.Fatalf("invalid address for %q %q", remote, xff)
		}
		r.Header = http.Header{"Forwarded": {fwd}}
		if a = ips.addr(r); !a.IsValid() {
			t.Fatalf("invalid address for %q %q", remote, fwd)
		}
	})
}
