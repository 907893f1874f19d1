package limiter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
)

// Key identifies one client in one scope: an IP address (IPv6 by its
// prefix) or a hashed user name. It is a fixed-size comparable value, so
// the hot path never allocates; the zero Key stands for nothing and is
// never produced by AddrKey for a valid address or by UserKey.
//
// Layout: bytes 0-14 hold the data, byte 15 a tag saying which kind of
// key it is (and, for IPv6, the prefix length). Keeping the kind inside the
// 16 bytes, rather than in a wider struct, keeps the LRU's entries and map
// slots at their smallest size classes (see doc.go on memory).
type Key [16]byte

// Tags in the last byte of a Key.
const (
	tagIPv4 = 0x04 // bytes 0-3: the IPv4 address
	tagIPv6 = 0x80 // 0x80+bits: bytes 0-14: the IPv6 prefix of that many bits
	tagUser = 0xFF // bytes 0-14: the first 120 bits of SHA-256(name)
)

// DefaultIPv6Prefix is the prefix length AddrKey uses for IPv6 when given
// zero or a negative length: one /64 is what an ISP hands a single
// customer, so keying by address would let one client use 2^64 keys.
const DefaultIPv6Prefix = 64

// MaxIPv6Prefix is the longest IPv6 prefix a Key can hold; longer prefixes
// are shortened to it. The 8 bits left over hold the key's tag.
const MaxIPv6Prefix = 120

// AddrKey returns the key of an address: IPv4 as is, IPv4-mapped IPv6 as
// the IPv4 address it maps, IPv6 masked to ipv6Prefix bits (zero or
// negative means DefaultIPv6Prefix; more than MaxIPv6Prefix means
// MaxIPv6Prefix). Zones are ignored. The invalid Addr gives the zero Key.
func AddrKey(a netip.Addr, ipv6Prefix int) Key {
	var k Key
	a = a.Unmap().WithZone("")
	switch {
	case a.Is4():
		b := a.As4()
		copy(k[:4], b[:])
		k[15] = tagIPv4
	case a.Is6():
		bits := clampPrefix(ipv6Prefix)
		p, _ := a.Prefix(bits) // cannot fail: 0 <= bits <= 128 and a is IPv6
		b := p.Addr().As16()
		copy(k[:15], b[:15])
		k[15] = tagIPv6 + byte(bits)
	}
	return k
}

func clampPrefix(bits int) int {
	if bits <= 0 {
		return DefaultIPv6Prefix
	}
	return min(bits, MaxIPv6Prefix)
}

// ParseAddrKey parses a bare IP address (no port, brackets or host name)
// and returns its key as AddrKey does. Anything else is an error, never a
// shared catch-all key. A zone ("fe80::1%eth0") names the local interface,
// not the client, and is dropped.
func ParseAddrKey(s string, ipv6Prefix int) (Key, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return Key{}, fmt.Errorf("parse ip key: %w", err)
	}
	return AddrKey(a, ipv6Prefix), nil
}

// UserKey returns the key of a user name: the first 120 bits of its
// SHA-256. A cryptographic hash, not a fast one, because two names must
// not share a key: finding any colliding pair costs about 2^60 hash
// evaluations, and there is no cheaper structure to exploit. The cost
// (a few hundred nanoseconds) is paid once per authenticated attempt,
// next to a handshake of tens of microseconds. The key is the same in
// every process, so keys rebuilt from the journal on restart match.
func UserKey(name string) Key {
	sum := sha256.Sum256([]byte(name))
	var k Key
	copy(k[:15], sum[:15])
	k[15] = tagUser
	return k
}

// IsUser reports whether k was made by UserKey.
func (k Key) IsUser() bool { return k[15] == tagUser }

// Addr returns the address, or for IPv6 the prefix, that an IP key stands
// for (a /32 for IPv4), for logs and the journal. It reports false for
// user keys and the zero Key.
func (k Key) Addr() (netip.Prefix, bool) {
	switch tag := k[15]; {
	case tag == tagIPv4:
		return netip.PrefixFrom(netip.AddrFrom4([4]byte(k[:4])), 32), true
	case tag >= tagIPv6 && tag <= tagIPv6+MaxIPv6Prefix:
		var b [16]byte
		copy(b[:15], k[:15])
		return netip.PrefixFrom(netip.AddrFrom16(b), int(tag-tagIPv6)), true
	}
	return netip.Prefix{}, false
}

// String returns the key's text for logs: the address for IPv4, the prefix
// for IPv6 ("2001:db8::/64"), "user:" and 16 hex digits of the hash for a
// user key (never the name), and "invalid" for anything else.
func (k Key) String() string {
	if p, ok := k.Addr(); ok {
		if p.Addr().Is4() {
			return p.Addr().String()
		}
		return p.String()
	}
	if k.IsUser() {
		return "user:" + hex.EncodeToString(k[:8])
	}
	return "invalid"
}
