package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"testing"
	"time"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		check   func(*options) bool
		wantErr error // nil: must succeed
	}{
		{"defaults", nil, func(o *options) bool {
			return slices.Equal(o.Scenarios, scenarioNames) && o.Rounds == 5 && o.Duration == 2*time.Second
		}, nil},
		{"scenarios and flags mixed", []string{"storm", "--rounds", "5", "idle", "--idle-conns=100"}, func(o *options) bool {
			return slices.Equal(o.Scenarios, []string{"storm", "idle"}) && o.Rounds == 5 && o.IdleConns == 100
		}, nil},
		{"durations", []string{"--duration=500ms", "--storm-duration", "2s"}, func(o *options) bool {
			return o.Duration == 500*time.Millisecond && o.StormDuration == 2*time.Second
		}, nil},
		{"given address", []string{"--addr", "127.0.0.1:8080", "--pid", "42"}, func(o *options) bool {
			return o.Addr == "127.0.0.1:8080" && o.PID == 42
		}, nil},
		{"ipv6 loopback", []string{"--addr", "[::1]:8080"}, nil, nil},
		{"markdown", []string{"--markdown"}, func(o *options) bool { return o.Markdown }, nil},
		{"unknown scenario", []string{"flood"}, nil, errUsage},
		{"zero rounds", []string{"--rounds=0"}, nil, errUsage},
		{"too many idle", []string{"--idle-conns=70000"}, nil, errUsage},
		{"short duration", []string{"--duration=10ms"}, nil, errUsage},
		{"long storm", []string{"--storm-duration=1h"}, nil, errUsage},
		{"not loopback", []string{"--addr", "10.0.0.1:80"}, nil, errUsage},
		{"host name", []string{"--addr", "localhost:80"}, nil, errUsage},
		{"pid without addr", []string{"--pid", "7"}, nil, errUsage},
		{"two formats", []string{"--json", "--markdown"}, nil, errUsage},
		{"unknown flag", []string{"--nope"}, nil, nil},
		{"help", []string{"--help"}, nil, flag.ErrHelp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseArgs(tt.args, io.Discard)
			if tt.name == "unknown flag" {
				if err == nil {
					t.Fatal("got no error, want one")
				}
				return
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want success", err)
			}
			if tt.check != nil && !tt.check(o) {
				t.Errorf("got %+v", o)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{flag.ErrHelp, 0},
		{errors.Join(errUsage, errors.New("x")), 2},
		{errors.New("boom"), 1},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err, io.Discard); got != tt.want {
			t.Errorf("exitCode(%v): got %d, want %d", tt.err, got, tt.want)
		}
	}
}
