package persist

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// killChildEnv names the database the crash child writes to.
const killChildEnv = "WSGATE_PERSIST_KILL_CHILD"

// runKillChild journals numbered attempts as fast as the queue takes them
// and prints the running total of committed rows after every flush, until
// it is killed. The attempt numbered n has at = n, so the parent can tell
// which ones were committed.
func runKillChild(path string) int {
	db, err := Open(context.Background(), path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var flushed int
	out := bufio.NewWriter(os.Stdout)
	j := NewJournal(db, &JournalOptions{BatchSize: 500, FlushInterval: 10 * time.Millisecond,
		OnFlush: func(rows int, _ time.Duration) {
			flushed += rows
			fmt.Fprintln(out, flushed)
			out.Flush()
		}})
	ip := netip.MustParseAddr("192.0.2.1")
	for n := int64(1); ; n++ {
		a := Attempt{At: time.UnixMilli(n), Endpoint: "/ws/kill", IP: ip, Reason: "ok", Success: true}
		for !j.Attempt(a) {
			time.Sleep(time.Millisecond)
		}
	}
}

// TestKillMidBatch kills a process that is writing batches and checks that
// the file opens cleanly with every reported batch in it, and that what is
// there is a prefix of what was sent: no torn batch, no hole.
func TestKillMidBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kill.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reported := readFlushes(t, stdout, 20)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	db := openAt(t, path)
	var check string
	if err := db.sql.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: got %q, %v; want ok", check, err)
	}
	rows := count(t, db, "SELECT count(*) FROM connection_attempts")
	if rows < reported {
		t.Errorf("got %d rows, want at least the %d reported flushed", rows, reported)
	}
	if max := count(t, db, "SELECT coalesce(max(at), 0) FROM connection_attempts"); max != rows {
		t.Errorf("got max(at) %d with %d rows, want a prefix 1..%d", max, rows, rows)
	}
	t.Logf("killed after %d reported rows; %d on disk", reported, rows)
}

// readFlushes reads the child's flush totals until it has seen n flushes
// and returns the last total. It fails after 30 s.
func readFlushes(t *testing.T, r interface{ Read([]byte) (int, error) }, n int) int64 {
	t.Helper()
	lines := make(chan string)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(r)
		for s.Scan() {
			lines <- s.Text()
		}
	}()
	var last int64
	deadline := time.After(30 * time.Second)
	for seen := 0; seen < n; seen++ {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("child exited after %d flushes", seen)
			}
			v, err := strconv.ParseInt(line, 10, 64)
			if err != nil {
				t.Fatalf("child printed %q", line)
			}
			last = v
		case <-deadline:
			t.Fatalf("child reported %d flushes in 30s, want %d", seen, n)
		}
	}
	go func() {
		for range lines {
		}
	}()
	return last
}
