package main

import (
	"os"
	"testing"
)

func TestParseStatTicks(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{
			name: "plain",
			in:   "4242 (wsgate) S 1 4242 4242 0 -1 4194560 1180 0 0 0 150 37 0 0 20 0 9 0 1234 0 0",
			want: 187,
		},
		{
			name: "name with spaces and parens",
			in:   "7 (a b) c)) R 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 1 0 0",
			want: 11,
		},
		{name: "no name", in: "7 a R 1", wantErr: true},
		{name: "short", in: "7 (x) R 1 2 3", wantErr: true},
		{name: "not a number", in: "7 (x) R 1 7 7 0 -1 0 0 0 0 0 x 6 0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatTicks([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err: got %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseStatusRSS(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{"found", "Name:\twsgate\nVmPeak:\t  9000 kB\nVmRSS:\t    2048 kB\n", 2048 * 1024, false},
		{"missing", "Name:\tx\n", 0, true},
		{"odd unit", "VmRSS:\t 5 MB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatusRSS([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err: got %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestOwnProcess reads this test process's own figures, which exist on
// any Linux machine.
func TestOwnProcess(t *testing.T) {
	if _, err := processCPU(os.Getpid()); err != nil {
		t.Errorf("processCPU: %v", err)
	}
	rss, err := processRSS(os.Getpid())
	if err != nil || rss <= 0 {
		t.Errorf("processRSS: got %d, %v; want a positive size", rss, err)
	}
}
