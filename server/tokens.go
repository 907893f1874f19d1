package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"
)

// tokenLen is the length of a token's text: 32 random bytes in lowercase
// hex (SPEC section 5).
const tokenLen = 64

// tokenEntry is what the store keeps about one issued token. The token
// itself is never kept: the map is keyed by its SHA-256 hash.
type tokenEntry struct {
	user     string
	session  string // persist.SessionID of the issuing session; "" unbound
	endpoint string // "" valid on any endpoint
	created  time.Time
	used     bool // consumed; kept until it expires to tell reuse apart
}

// tokenShards spreads the store over independent locks so that issuing
// and consuming on both cores rarely meet on one mutex. Sixteen is plenty
// for two cores and costs nothing at rest.
const tokenShards = 16

// tokenStore holds the valid, unused tokens in memory. Consumption is
// atomic: of two handshakes presenting one token, exactly one removes it.
// It is safe for concurrent use; build it with newTokenStore.
type tokenStore struct {
	ttl    time.Duration
	shards [tokenShards]tokenShard
}

type tokenShard struct {
	// mu guards m.
	mu sync.Mutex
	m  map[[32]byte]tokenEntry
}

// newTokenStore returns an empty store whose tokens live for ttl.
func newTokenStore(ttl time.Duration) *tokenStore {
	s := &tokenStore{ttl: ttl}
	for i := range s.shards {
		s.shards[i].m = make(map[[32]byte]tokenEntry)
	}
	return s
}

// newToken returns a fresh token from the operating system's CSPRNG and
// its hash.
func newToken() (string, [32]byte, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", [32]byte{}, fmt.Errorf("read random token: %w", err)
	}
	tok := hex.EncodeToString(b[:])
	return tok, sha256.Sum256([]byte(tok)), nil
}

// hashToken returns the hash a presented token is stored under, or false
// when tok is not 64 lowercase hex characters: garbage is refused before
// any hashing or locking.
func hashToken(tok string) ([32]byte, bool) {
	if len(tok) != tokenLen {
		return [32]byte{}, false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return [32]byte{}, false
		}
	}
	var b [tokenLen]byte
	copy(b[:], tok)
	return sha256.Sum256(b[:]), true
}

func (s *tokenStore) shard(h [32]byte) *tokenShard {
	return &s.shards[h[0]%tokenShards]
}

// add stores an issued (or reloaded) token.
func (s *tokenStore) add(h [32]byte, e tokenEntry) {
	sh := s.shard(h)
	sh.mu.Lock()
	sh.m[h] = e
	sh.mu.Unlock()
}

// tokenState is what lookup found.
type tokenState uint8

const (
	tokenValid tokenState = iota
	tokenUnknown
	tokenExpired
	tokenUsed
)

// lookup returns the token's entry and whether it is valid at now:
// known, unused and unexpired. Expiry uses the configured TTL, whatever
// the token was issued with. It does not consume the token.
func (s *tokenStore) lookup(h [32]byte, now time.Time) (tokenEntry, tokenState) {
	sh := s.shard(h)
	sh.mu.Lock()
	e, ok := sh.m[h]
	sh.mu.Unlock()
	switch {
	case !ok:
		return tokenEntry{}, tokenUnknown
	case !now.Before(e.created.Add(s.ttl)):
		return e, tokenExpired
	case e.used:
		return e, tokenUsed
	}
	return e, tokenValid
}

// consume marks the token used, reporting whether this call was the one
// that did: the single-use guarantee.
func (s *tokenStore) consume(h [32]byte) bool {
	sh := s.shard(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[h]
	if !ok || e.used {
		return false
	}
	e.used = true
	sh.m[h] = e
	return true
}

// sweep removes the tokens expired at now and returns how many.
func (s *tokenStore) sweep(now time.Time) int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for h, e := range sh.m {
			if !now.Before(e.created.Add(s.ttl)) {
				delete(sh.m, h)
				n++
			}
		}
		sh.mu.Unlock()
	}
	return n
}

// len returns the number of tokens held.
func (s *tokenStore) len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
