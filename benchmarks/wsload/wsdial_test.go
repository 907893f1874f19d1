package main

import (
	"strings"
	"testing"
)

// TestAcceptKey uses the worked example of RFC 6455 §1.3.
func TestAcceptKey(t *testing.T) {
	if got, want := acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNewKey(t *testing.T) {
	a, b := newKey(), newKey()
	if len(a) != 24 || !strings.HasSuffix(a, "==") || a == b {
		t.Errorf("got %q and %q, want two different 16-byte base64 keys", a, b)
	}
}

func TestUpgradeText(t *testing.T) {
	req := &handshakeRequest{Target: "/bench/storm?x=1", Header: []string{"X-Forwarded-For: 10.0.0.1"}}
	got := upgradeText("127.0.0.1:8080", "KEY", req)
	want := "GET /bench/storm?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: KEY\r\nSec-WebSocket-Version: 13\r\n" +
		"X-Forwarded-For: 10.0.0.1\r\n\r\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestCloseFrame unmasks the close frame and checks it says 1000.
func TestCloseFrame(t *testing.T) {
	f := closeFrame
	if len(f) != 8 || f[0] != 0x88 || f[1] != 0x82 {
		t.Fatalf("got header % x, want a masked 2-byte close frame", f)
	}
	code := int(f[6]^f[2])<<8 | int(f[7]^f[3])
	if code != 1000 {
		t.Errorf("got status %d, want 1000", code)
	}
}

func TestStormAddr(t *testing.T) {
	tests := map[int]string{0: "10.0.0.0", 1: "10.0.0.1", 256: "10.0.1.0", 70000: "10.1.17.112"}
	for c, want := range tests {
		if got := stormAddr(c); got != want {
			t.Errorf("stormAddr(%d): got %q, want %q", c, got, want)
		}
	}
}
