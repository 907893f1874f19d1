package server

import (
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzTokenText feeds arbitrary text to the token check every handshake
// runs: only 64 lowercase hex digits are a token, and the hash is the same
// for the same text.
func FuzzTokenText(f *testing.F) {
	f.Add(strings.Repeat("ab", 32))
	f.Add(strings.Repeat("AB", 32))
	f.Add(strings.Repeat("0", 63))
	f.Add(strings.Repeat("g", 64))
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		h, ok := hashToken(tok)
		_, hexErr := hex.DecodeString(tok)
		want := len(tok) == 64 && hexErr == nil && strings.ToLower(tok) == tok
		if ok != want {
			t.Fatalf("hashToken(%q): ok %v, want %v", tok, ok, want)
		}
		if h2, _ := hashToken(tok); ok && h2 != h {
			t.Fatalf("hashToken(%q) not deterministic", tok)
		}
	})
}

// FuzzTokenRequestBody feeds arbitrary bodies to the decoder of POST
// /api/ws-token: it must not panic, and what it decodes stays within the
// body's bound.
func FuzzTokenRequestBody(f *testing.F) {
	f.Add(`{"user":"alice"}`)
	f.Add(`{"endpoint":"/ws/chat","user":"a"}`)
	f.Add(`{"user":"alice","admin":true}`)
	f.Add(`{"user":` + strings.Repeat("[", 100))
	f.Add(``)
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/api/ws-token", strings.NewReader(body))
		w := httptest.NewRecorder()
		var req tokenRequest
		if err := decodeBody(w, r, &req); err != nil {
			return
		}
		if n := len(req.User) + len(req.Endpoint); n > maxBodyBytes {
			t.Fatalf("decoded %d bytes of names from a body bounded to %d", n, maxBodyBytes)
		}
	})
}
