package e2e

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// WebSocket opcodes (RFC 6455 section 5.2).
const (
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA
)

// rawConn is a TCP connection that speaks WebSocket framing by hand, so a
// test can send what a proper client library never would.
type rawConn struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

// rawDial opens a TCP connection to the gateway.
func (g *gateway) rawDial(t *testing.T) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", g.cfg.Listen, 5*time.Second)
	if err != nil {
		t.Fatalf("dial tcp: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, br: bufio.NewReader(nc)}
}

// upgradeRequest returns the bytes of a handshake request for path with
// the extra header lines (each "Name: value").
func upgradeRequest(host, path string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\n", path, host)
	b.WriteString("Connection: Upgrade\r\nUpgrade: websocket\r\n")
	b.WriteString("Sec-WebSocket-Version: 13\r\n")
	fmt.Fprintf(&b, "Sec-WebSocket-Key: %s\r\n", wsKey())
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// rawUpgrade opens a connection and completes a handshake on path, failing
// the test unless the server answers 101. It returns the response so the
// caller can look at the negotiated extensions.
func (g *gateway) rawUpgrade(t *testing.T, path string, extra ...string) (*rawConn, *http.Response) {
	t.Helper()
	c := g.rawDial(t)
	c.write([]byte(upgradeRequest(g.cfg.Listen, path, extra...)))
	resp := c.readResponse()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade %s: got %d, want 101", path, resp.StatusCode)
	}
	return c, resp
}

// write sends b, failing the test on an error.
func (c *rawConn) write(b []byte) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("raw write: %v", err)
	}
}

// readResponse reads one HTTP response head.
func (c *rawConn) readResponse() *http.Response {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	return resp
}

// frame encodes one client frame. Client frames must be masked (RFC 6455
// section 5.3); masked=false makes the protocol error a server must refuse.
func frame(fin bool, rsv1 bool, opcode byte, payload []byte, masked bool) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	if rsv1 {
		b0 |= 0x40
	}
	out := []byte{b0}
	var maskBit byte
	if masked {
		maskBit = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		out = append(out, maskBit|byte(n))
	case n <= 0xFFFF:
		out = append(out, maskBit|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, maskBit|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	if !masked {
		return append(out, payload...)
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	out = append(out, key[:]...)
	for i, p := range payload {
		out = append(out, p^key[i%4])
	}
	return out
}

// readFrame reads one server frame (never masked).
func (c *rawConn) readFrame() (opcode byte, payload []byte, err error) {
	var head [2]byte
	if _, err := io.ReadFull(c.br, head[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(head[1] & 0x7F)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if n > 1<<24 {
		return 0, nil, fmt.Errorf("server frame of %d bytes", n)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(c.br, payload); err != nil {
		return 0, nil, err
	}
	return head[0] & 0x0F, payload, nil
}

// errNoCloseFrame is what readClose returns when the server ended the TCP
// connection without a close frame.
var errNoCloseFrame = errors.New("connection ended without a close frame")

// readClose reads frames until a close frame and returns its status code
// (1005 when the frame has none), answering it with a close frame. It
// skips data frames. A connection that ends without a close frame gives
// errNoCloseFrame; one still open after the deadline, a timeout error.
func (c *rawConn) readClose(within time.Duration) (int, error) {
	c.nc.SetReadDeadline(time.Now().Add(within))
	for {
		op, payload, err := c.readFrame()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err) {
			return 0, errNoCloseFrame
		}
		if err != nil {
			return 0, err
		}
		if op != opClose {
			continue
		}
		// Answer like a well-behaved peer (RFC 6455 section 5.5.1), so the
		// server need not wait out its close grace period.
		c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		c.nc.Write(frame(true, false, opClose, payload[:min(len(payload), 2)], true))
		if len(payload) < 2 {
			return 1005, nil
		}
		return int(binary.BigEndian.Uint16(payload)), nil
	}
}

// waitClosed reads and discards until the server ends the connection and
// reports whether it did so within the deadline.
func (c *rawConn) waitClosed(within time.Duration) bool {
	c.nc.SetReadDeadline(time.Now().Add(within))
	_, err := io.Copy(io.Discard, c.br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return true
}

// isReset reports whether err is a connection reset by the peer.
func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}
