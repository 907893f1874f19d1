package limiter

import (
	"net/netip"
	"strings"
	"testing"
)

func TestAddrKey(t *testing.T) {
	tests := []struct {
		addr   string
		prefix int
		want   string // Key.String
	}{
		{"192.0.2.7", 64, "192.0.2.7"},
		{"::ffff:192.0.2.7", 64, "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", 0, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::/48"},
		{"2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:0/120"},
		{"fe80::1%eth0", 64, "fe80::/64"},
		{"::1", 64, "::/64"},
	}
	for _, tt := range tests {
		k := AddrKey(netip.MustParseAddr(tt.addr), tt.prefix)
		if got := k.String(); got != tt.want {
			t.Errorf("AddrKey(%s, %d): got %s, want %s", tt.addr, tt.prefix, got, tt.want)
		}
	}
}

func TestAddrKeysDistinct(t *testing.T) {
	same := [][2]string{
		{"2001:db8::1", "2001:db8::2"},
		{"10.0.0.1", "::ffff:10.0.0.1"},
	}
	for _, p := range same {
		if AddrKey(netip.MustParseAddr(p[0]), 64) != AddrKey(netip.MustParseAddr(p[1]), 64) {
			t.Errorf("keys of %s and %s: got different, want equal", p[0], p[1])
		}
	}
	different := [][2]string{
		{"10.0.0.1", "10.0.0.2"},
		{"2001:db8::1", "2001:db8:0:1::1"},
		{"0.0.0.0", "::"},
		{"0.0.0.1", "::1"},
		{"10.0.0.1", "::a00:1"}, // IPv4-compatible, not IPv4-mapped
	}
	for _, p := range different {
		if AddrKey(netip.MustParseAddr(p[0]), 64) == AddrKey(netip.MustParseAddr(p[1]), 64) {
			t.Errorf("keys of %s and %s: got equal, want different", p[0], p[1])
		}
	}
	// The same /64 under different prefix lengths is a different key.
	a := netip.MustParseAddr("2001:db8::")
	if AddrKey(a, 64) == AddrKey(a, 56) {
		t.Errorf("keys of %s at /64 and /56: got equal, want different", a)
	}
}

func TestKeyAddr(t *testing.T) {
	tests := []struct {
		key    Key
		want   string
		wantOK bool
	}{
		{AddrKey(netip.MustParseAddr("198.51.100.1"), 64), "198.51.100.1/32", true},
		{AddrKey(netip.MustParseAddr("2001:db8::9"), 56), "2001:db8::/56", true},
		{UserKey("ann"), "invalid Prefix", false},
		{Key{}, "invalid Prefix", false},
		{AddrKey(netip.Addr{}, 64), "invalid Prefix", false},
	}
	for _, tt := range tests {
		p, ok := tt.key.Addr()
		if p.String() != tt.want || ok != tt.wantOK {
			t.Errorf("%v.Addr(): got %v, %v, want %v, %v", tt.key, p, ok, tt.want, tt.wantOK)
		}
	}
}

func TestParseAddrKey(t *testing.T) {
	good := map[string]string{
		"203.0.113.9":        "203.0.113.9",
		"::ffff:203.0.113.9": "203.0.113.9",
		"2001:DB8::1":        "2001:db8::/64",
		"fe80::1%25eth0":     "fe80::/64",
	}
	for in, want := range good {
		k, err := ParseAddrKey(in, 64)
		if err != nil || k.String() != want {
			t.Errorf("ParseAddrKey(%q): got %v, %v, want %s", in, k, err, want)
		}
	}
	bad := []string{
		"", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4:80", "[::1]", "[::1]:80", "localhost",
		"example.com", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "::g", "1.2.3.4/32",
		"unknown", "%eth0",
	}
	for _, in := range bad {
		k, err := ParseAddrKey(in, 64)
		if err == nil {
			t.Errorf("ParseAddrKey(%q): got %v, want an error", in, k)
			continue
		}
		if k != (Key{}) || !strings.HasPrefix(err.Error(), "parse ip key: ") {
			t.Errorf("ParseAddrKey(%q): got %v, %q, want the zero key and a parse error", in, k, err)
		}
	}
}

func FuzzParseAddrKey(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "::ffff:1.2.3.4", "2001:db8::1", "fe80::1%eth0", "", "1.2.3.4:5", "x"} {
		f.Add(s, 64)
	}
	f.Fuzz(func(t *testing.T, s string, prefix int) {
		k, err := ParseAddrKey(s, prefix)
		if err != nil {
			if k != (Key{}) {
				t.Fatalf("ParseAddrKey(%q) failed but returned key %v", s, k)
			}
			return
		}
		// Every accepted input is a real address whose key round-trips:
		// the key's prefix contains the address, and keying the prefix's
		// own address gives the same key.
		p, ok := k.Addr()
		if !ok {
			t.Fatalf("ParseAddrKey(%q) = %v: not an address key", s, k)
		}
		a := netip.MustParseAddr(s).Unmap().WithZone("")
		if !p.Contains(a) {
			t.Fatalf("ParseAddrKey(%q): prefix %v does not contain %v", s, p, a)
		}
		if AddrKey(p.Addr(), prefix) != k {
			t.Fatalf("ParseAddrKey(%q): key of %v differs", s, p.Addr())
		}
		if a.Is6() && p.Bits() != clampPrefix(prefix) {
			t.Fatalf("ParseAddrKey(%q, %d): got /%d", s, prefix, p.Bits())
		}
	})
}

func TestUserKey(t *testing.T) {
	seen := map[Key]string{}
	for _, name := range []string{"", "a", "b", "ann", "Ann", "ann ", "ann\x00", strings.Repeat("x", 1000)} {
		k := UserKey(name)
		if !k.IsUser() {
			t.Errorf("UserKey(%q).IsUser(): got false", name)
		}
		if prev, ok := seen[k]; ok {
			t.Errorf("UserKey(%q) equals UserKey(%q)", name, prev)
		}
		seen[k] = name
		if UserKey(name) != k {
			t.Errorf("UserKey(%q): not deterministic", name)
		}
		if s := k.String(); !strings.HasPrefix(s, "user:") || strings.Contains(s, "ann") {
			t.Errorf("UserKey(%q).String(): got %q, want user: and a hash", name, s)
		}
	}
	if AddrKey(netip.MustParseAddr("1.2.3.4"), 64).IsUser() {
		t.Errorf("an IP key: got IsUser true")
	}
}

func TestKeyAllocs(t *testing.T) {
	a := netip.MustParseAddr("2001:db8::1")
	allocs := testing.AllocsPerRun(100, func() {
		_ = AddrKey(a, 64)
		_, _ = ParseAddrKey("192.0.2.1", 64)
		_ = UserKey("ann")
	})
	if allocs != 0 {
		t.Fatalf("allocations making keys: got %v, want 0", allocs)
	}
}
