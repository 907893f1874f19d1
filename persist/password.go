package persist

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are the argon2id costs of new password hashes. Each
// stored hash records its own, so they can be raised later.
type PasswordParams struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
	Threads   uint8
}

// DefaultPasswordParams are moderate argon2id costs, above OWASP's minimum
// (2 passes over 19 MiB): 2 passes over 32 MiB with 2 lanes. Measured 160
// ms a hash on the busy 2-core build machine; login is rate limited.
var DefaultPasswordParams = PasswordParams{Time: 2, MemoryKiB: 32 * 1024, Threads: 2}

const (
	saltBytes = 16
	keyBytes  = 32
)

var b64 = base64.RawStdEncoding

// hashPassword returns the PHC string of password under a fresh random
// salt: $argon2id$v=19$m=MEM,t=TIME,p=THREADS$SALT$HASH.
func hashPassword(password []byte, p PasswordParams) string {
	salt := make([]byte, saltBytes)
	rand.Read(salt) // never fails: crypto/rand panics rather than return short
	key := argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, keyBytes)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// checkPassword reports whether password matches the PHC string encoded,
// in time independent of where they differ.
func checkPassword(encoded string, password []byte) (bool, error) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// parseHash splits a PHC argon2id string into its parameters, salt and key.
func parseHash(encoded string) (p PasswordParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("parse password hash: not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("parse password hash: unsupported version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("parse password hash: parameters %q: %w", parts[3], err)
	}
	if p.Time == 0 || p.Threads == 0 || p.MemoryKiB < 8*uint32(p.Threads) {
		return p, nil, nil, fmt.Errorf("parse password hash: parameters %q out of range", parts[3])
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, fmt.Errorf("parse password hash: salt: %w", err)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) == 0 {
		return p, nil, nil, fmt.Errorf("parse password hash: key: %v", err)
	}
	return p, salt, key, nil
}
