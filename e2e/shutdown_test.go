package e2e

import (
	"testing"
	"time"
)

// TestShutdownWithHostileClients: SIGTERM while clients hold connections
// open (upgraded and never reading, half a request header) still drains:
// an honest client gets 1012, the process exits 0 within the drain window
// plus its grace period, and the journal holds every attempt.
func TestShutdownWithHostileClients(t *testing.T) {
	cfg := baseConfig(t)
	cfg.DrainTimeout = "2s"
	cfg.HeaderTimeout = "60s"
	g := startGateway(t, cfg)

	for i := 0; i < 10; i++ {
		c := g.rawDialSmallBuffer(t)
		c.write([]byte(upgradeRequest(cfg.Listen, "/ws/chat")))
		if resp := c.readResponse(); resp.StatusCode != 101 {
			t.Fatalf("silent client's handshake: got %d, want 101", resp.StatusCode)
		}
	}
	for i := 0; i < 10; i++ {
		g.rawDial(t).write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n"))
	}
	honest, _ := g.rawUpgrade(t, "/ws/chat")

	if code := g.stop(); code != 0 {
		t.Errorf("exit code after SIGTERM: got %d, want 0; log:\n%s", code, g.log.String())
	}
	code, err := honest.readClose(time.Second)
	if err != nil || code != 1012 {
		t.Errorf("honest client at shutdown: got close %d (%v), want 1012", code, err)
	}

	// The journal was flushed completely before the exit: every handshake
	// is there, without waiting for a flush interval.
	var n int
	db := openDB(t, cfg.Database)
	if err := db.QueryRow(`SELECT count(*) FROM connection_attempts`).Scan(&n); err != nil || n != 11 {
		t.Errorf("journaled attempts after the drain: got %d (%v), want 11", n, err)
	}
}
