package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wsgate/wsgate/persist"
)

// seedAttempts journals attempts into the database at path.
func seedAttempts(t *testing.T, path string, attempts ...persist.Attempt) {
	t.Helper()
	db := openForTest(t, path)
	j := persist.NewJournal(db, nil)
	for _, a := range attempts {
		j.Attempt(a)
	}
	if err := j.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// auditSample is attempts from two IPs over the last hours.
func auditSample(now time.Time) []persist.Attempt {
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("2001:db8:1:2::")
	return []persist.Attempt{
		{At: now.Add(-3 * time.Hour), Endpoint: "/ws/chat", IP: a, User: "alice", Success: true, Reason: "ok"},
		{At: now.Add(-30 * time.Minute), Endpoint: "/ws/chat", IP: a, User: "alice", Reason: "rate_limited_user"},
		{At: now.Add(-20 * time.Minute), Endpoint: "/ws/echo", IP: b, Reason: "rate_limited_ip"},
		{At: now.Add(-10 * time.Minute), Endpoint: "/ws/echo", IP: b, Reason: "rate_limited_ip"},
		{At: now.Add(-5 * time.Minute), Endpoint: "/ws/chat", IP: a, User: "bob", Success: true, Reason: "ok"},
	}
}

func TestAuditTable(t *testing.T) {
	path := tempDB(t)
	now := time.Now()
	seedAttempts(t, path, auditSample(now)...)

	r := dbcmd(t, "", "audit", "--database", path)
	r.want(t, 0)
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 5 { // header and the four attempts of the last hour
		t.Fatalf("got %d lines, want a header and 4 attempts:\n%s", len(lines), r.out)
	}
	if !strings.Contains(lines[1], "bob") || !strings.Contains(lines[4], "rate_limited_user") {
		t.Errorf("not newest first:\n%s", r.out)
	}
	col := strings.Index(lines[0], "REASON")
	for _, l := range lines[1:] {
		if col < 0 || col >= len(l) || l[col-1] != ' ' || l[col] == ' ' {
			t.Errorf("REASON column not aligned at %d:\n%s", col, r.out)
			break
		}
	}
	if !strings.Contains(lines[3], " - ") {
		t.Errorf("anonymous user not shown as -: %q", lines[3])
	}
}

func TestAuditFilters(t *testing.T) {
	path := tempDB(t)
	seedAttempts(t, path, auditSample(time.Now())...)
	tests := []struct {
		args []string
		want int // attempts listed
	}{
		{[]string{"--since", "0"}, 5},
		{[]string{"--since", "4h", "--limit", "2"}, 2},
		{[]string{"--ip", "192.0.2.1", "--since", "0"}, 3},
		{[]string{"--ip", "::ffff:192.0.2.1", "--since", "0"}, 3},
		{[]string{"--ip", "2001:db8:1:2::"}, 2},
		{[]string{"--user", "alice", "--since", "0"}, 2},
		{[]string{"--rejected"}, 3},
		{[]string{"--user", "carol"}, 0},
	}
	for _, tt := range tests {
		r := dbcmd(t, "", append([]string{"audit", "--json", "--database", path}, tt.args...)...)
		r.want(t, 0)
		var rows []map[string]any
		if err := json.Unmarshal([]byte(r.out), &rows); err != nil {
			t.Fatalf("%v: %v in %q", tt.args, err, r.out)
		}
		if len(rows) != tt.want {
			t.Errorf("audit %v: got %d attempts, want %d", tt.args, len(rows), tt.want)
		}
	}
}

func TestAuditJSON(t *testing.T) {
	path := tempDB(t)
	at := time.UnixMilli(time.Now().Add(-time.Minute).UnixMilli())
	seedAttempts(t, path, persist.Attempt{At: at, Endpoint: "/ws/echo", IP: netip.MustParseAddr("192.0.2.9"),
		Reason: "rate_limited_ip"})
	r := dbcmd(t, "", "audit", "--json", "--database", path)
	r.want(t, 0)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("got %q, %v; want one object", r.out, err)
	}
	want := map[string]any{"id": 1.0, "at": float64(at.UnixMilli()), "endpoint": "/ws/echo", "ip": "192.0.2.9",
		"user": nil, "success": false, "reason": "rate_limited_ip"}
	for k, v := range want {
		if got, ok := rows[0][k]; !ok || got != v {
			t.Errorf("%s: got %v (present %v), want %v", k, got, ok, v)
		}
	}
	if len(rows[0]) != len(want) {
		t.Errorf("got keys %v, want exactly the columns of connection_attempts", rows[0])
	}
	// No match prints an empty array, not null.
	r = dbcmd(t, "", "audit", "--json", "--user", "nobody", "--database", path)
	if strings.TrimSpace(r.out) != "[]" {
		t.Errorf("no match: got %q, want []", r.out)
	}
}

func TestAuditTop(t *testing.T) {
	path := tempDB(t)
	seedAttempts(t, path, auditSample(time.Now())...)
	r := dbcmd(t, "", "audit", "top", "--database", path)
	r.want(t, 0)
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[1], "2001:db8:1:2::") || !strings.Contains(lines[1], "2") ||
		!strings.HasSuffix(lines[2], "192.0.2.1") {
		t.Errorf("audit top: got\n%s", r.out)
	}

	r = dbcmd(t, "", "audit", "top", "--by", "user", "--json", "--since", "0", "--database", path)
	r.want(t, 0)
	var top []persist.KeyCount
	if err := json.Unmarshal([]byte(r.out), &top); err != nil || len(top) != 1 || top[0] != (persist.KeyCount{Key: "alice", Count: 1}) {
		t.Errorf("audit top --by user: got %q, %v", r.out, err)
	}
}

func TestAuditUsageErrors(t *testing.T) {
	path := tempDB(t)
	for _, args := range [][]string{
		{"audit", "--ip", "not-an-ip"},
		{"audit", "--since", "-1h"},
		{"audit", "--limit", "0"},
		{"audit", "extra"},
		{"audit", "top", "--by", "endpoint"},
		{"audit", "top", "--limit", "-1"},
	} {
		dbcmd(t, "", append(args, "--database", path)...).want(t, 2)
	}
}
