package main

import (
	"strings"
	"testing"
)

func TestFindSample(t *testing.T) {
	page := `# HELP wsgate_limiter_keys Keys held.
# TYPE wsgate_limiter_keys gauge
wsgate_limiter_keys{scope="ip"} 2010
wsgate_limiter_keys{scope="user"} 3
wsgate_limiter_keys_total{scope="ip"} 9
wsgate_journal_written_total 1.5e+06 1700000000000
`
	tests := []struct {
		series  string
		want    float64
		wantErr bool
	}{
		{`wsgate_limiter_keys{scope="ip"}`, 2010, false},
		{`wsgate_limiter_keys{scope="user"}`, 3, false},
		{`wsgate_journal_written_total`, 1.5e6, false},
		{`wsgate_limiter_keys`, 0, true},
		{`wsgate_missing`, 0, true},
	}
	for _, tt := range tests {
		got, err := findSample(strings.NewReader(page), tt.series)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("findSample(%s): got %v, %v; want %v (error %v)", tt.series, got, err, tt.want, tt.wantErr)
		}
	}
}
