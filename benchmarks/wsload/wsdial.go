package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// handshakeTimeout bounds one handshake and its closing exchange, so a
// stuck server cannot hold a client loop past its measurement.
const handshakeTimeout = 5 * time.Second

// websocketGUID is the fixed string of RFC 6455 §1.3 that the server
// appends to Sec-WebSocket-Key before hashing.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// handshakeRequest is one WebSocket upgrade a lean client sends.
type handshakeRequest struct {
	Target string   // path and query, e.g. "/bench/open"
	Header []string // extra header lines, "Name: value"
}

// handshakeResult is what the server answered.
type handshakeResult struct {
	Status  int           // 101 when upgraded
	Latency time.Duration // from dialling to the parsed status line and headers
}

// handshake dials addr, sends req as a WebSocket upgrade and reads the
// answer. An accepted connection is closed at once with a close frame
// (1000), and handshake waits for the server's close so the server does
// its full share of the work; a refused one has its body read. It is
// deliberately leaner than a full client (no net/http client, no
// goroutines) so that the harness, which shares the cores with the
// server, spends as little as it can per attempt.
func handshake(ctx context.Context, d *net.Dialer, addr string,
	req *handshakeRequest) (handshakeResult, error) {
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return handshakeResult{}, fmt.Errorf("dial: %w", err)
	}
	defer resetClose(conn)
	deadline := start.Add(handshakeTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)

	key := newKey()
	if _, err := io.WriteString(conn, upgradeText(addr, key, req)); err != nil {
		return handshakeResult{}, fmt.Errorf("send upgrade: %w", err)
	}
	br := bufio.NewReaderSize(conn, 1024)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return handshakeResult{}, fmt.Errorf("read answer: %w", err)
	}
	res := handshakeResult{Status: resp.StatusCode, Latency: time.Since(start)}

	if resp.StatusCode != http.StatusSwitchingProtocols {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return res, err
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != acceptKey(key) {
		return res, fmt.Errorf("check upgrade: Sec-WebSocket-Accept %q does not match the key", got)
	}
	return res, closeUpgraded(conn, br)
}

// resetClose closes conn with a reset instead of a FIN. By then the
// exchange is over (the server has closed its side, or said all it will
// say), and a reset leaves no TIME_WAIT entry on either side: tens of
// thousands of short connections a second from one address would
// otherwise run into the old entries of their own 4-tuples and stall
// for a SYN retransmission.
func resetClose(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// upgradeText is the HTTP/1.1 upgrade request of RFC 6455 §4.1.
func upgradeText(addr, key string, req *handshakeRequest) string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString("GET " + req.Target + " HTTP/1.1\r\nHost: " + addr + "\r\n")
	b.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\n")
	b.WriteString("Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n")
	for _, h := range req.Header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// closeFrame is a masked close frame with status 1000 (RFC 6455 §5.5.1).
// A fixed mask is allowed here: masking protects intermediaries from
// script-chosen bytes, and this payload is not chosen by anyone.
var closeFrame = func() []byte {
	mask := [4]byte{0x5a, 0x17, 0xc3, 0x9e}
	payload := []byte{0x03, 0xe8} // 1000, big-endian
	f := []byte{0x88, 0x80 | byte(len(payload)), mask[0], mask[1], mask[2], mask[3]}
	for i, c := range payload {
		f = append(f, c^mask[i%4])
	}
	return f
}()

// closeUpgraded sends a close frame and reads until the server, having
// answered with its own, closes the TCP connection.
func closeUpgraded(conn net.Conn, br *bufio.Reader) error {
	if _, err := conn.Write(closeFrame); err != nil {
		return fmt.Errorf("send close: %w", err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("await close: %w", err)
	}
	return nil
}

// newKey returns a Sec-WebSocket-Key: 16 random bytes, base64. The key
// only proves the server speaks WebSocket, so a fast non-cryptographic
// source is enough.
func newKey() string {
	var k [16]byte
	for i := 0; i < len(k); i += 8 {
		v := rand.Uint64()
		for j := range 8 {
			k[i+j] = byte(v >> (8 * j))
		}
	}
	return base64.StdEncoding.EncodeToString(k[:])
}

// acceptKey is the Sec-WebSocket-Accept a server must answer for key.
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + websocketGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}
