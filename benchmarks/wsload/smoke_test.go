package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"
)

// TestSmokeBaseline runs every scenario once, tiny and short, against a
// baseline server process started the way a real run starts it, over
// loopback. It checks that each trial measures something, not how fast.
func TestSmokeBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	o, err := parseArgs([]string{
		"--duration=300ms", "--storm-duration=600ms", "--dialers=4",
		"--storm-clients=50", "--storm-workers=4", "--well-behaved=2",
		"--idle-conns=100", "--idle-sources=2", "--token-workers=2", "--subscribers=5",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	l := &launcher{opts: o, dir: t.TempDir(), self: self}
	scs, err := scenarios(scenarioNames)
	if err != nil {
		t.Fatal(err)
	}

	r := &runner{opts: o, launch: l, progress: newProgress(io.Discard, 0)}
	for _, sc := range scs {
		t.Run(sc.name, func(t *testing.T) {
			s, err := r.trial(ctx, sc, targetBaseline)
			if err != nil {
				t.Fatalf("trial: %v", err)
			}
			if v := s["per_s"]; sc.name != "idle" && !(v > 0) {
				t.Errorf("per_s: got %v, want a positive rate (sample %v)", v, s)
			}
			if v := s["kib_per_conn"]; sc.name == "idle" && !(v > 0) {
				t.Errorf("kib_per_conn: got %v, want a positive size (sample %v)", v, s)
			}
			t.Log(fmt.Sprint(s))
		})
	}
}
