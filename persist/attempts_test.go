package persist

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// journal writes attempts through a journal and closes it.
func journal(t *testing.T, db *DB, attempts ...Attempt) {
	t.Helper()
	j := NewJournal(db, nil)
	for _, a := range attempts {
		j.Attempt(a)
	}
	closeJournal(t, j)
}

var (
	base = time.UnixMilli(1_790_000_000_000)
	ipA  = netip.MustParseAddr("192.0.2.1")
	ipB  = netip.MustParseAddr("192.0.2.2")
)

// sample is a small journal: three IPs' worth of attempts over 3 minutes.
func sample() []Attempt {
	return []Attempt{
		{At: base, Endpoint: "/ws/chat", IP: ipA, User: "alice", Success: true, Reason: "ok"},
		{At: base.Add(time.Minute), Endpoint: "/ws/chat", IP: ipA, User: "alice", Reason: "rate_limited_user"},
		{At: base.Add(time.Minute), Endpoint: "/ws/echo", IP: ipB, Reason: "rate_limited_ip"},
		{At: base.Add(2 * time.Minute), Endpoint: "/ws/echo", IP: ipB, Reason: "rate_limited_ip"},
		{At: base.Add(3 * time.Minute), Endpoint: "/ws/chat", IP: ipB, User: "bob", Reason: "bad_token"},
	}
}

func TestAttemptsFilters(t *testing.T) {
	db := openTest(t)
	journal(t, db, sample()...)
	ctx := context.Background()
	tests := []struct {
		name string
		f    AttemptFilter
		want []int64 // ids, newest first
	}{
		{"all", AttemptFilter{}, []int64{5, 4, 3, 2, 1}},
		{"limit", AttemptFilter{Limit: 2}, []int64{5, 4}},
		{"ip", AttemptFilter{IP: "192.0.2.1"}, []int64{2, 1}},
		{"user", AttemptFilter{User: "bob"}, []int64{5}},
		{"since is inclusive", AttemptFilter{Since: base.Add(2 * time.Minute)}, []int64{5, 4}},
		{"rejected", AttemptFilter{RejectedOnly: true, IP: "192.0.2.1"}, []int64{2}},
		{"nothing", AttemptFilter{User: "carol"}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := db.Attempts(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			got := []int64{}
			for _, r := range rows {
				got = append(got, r.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got ids %v, want %v", got, tt.want)
			}
		})
	}
	rows, _ := db.Attempts(ctx, AttemptFilter{User: "alice", Limit: 1})
	want := AttemptRow{ID: 2, At: base.Add(time.Minute), Endpoint: "/ws/chat", IP: "192.0.2.1", User: "alice",
		Reason: "rate_limited_user"}
	if len(rows) != 1 || !rows[0].At.Equal(want.At) || rows[0].ID != want.ID || rows[0].Endpoint != want.Endpoint ||
		rows[0].IP != want.IP || rows[0].User != want.User || rows[0].Success || rows[0].Reason != want.Reason {
		t.Errorf("got %+v, want %+v", rows, want)
	}
}

func TestTopRejected(t *testing.T) {
	db := openTest(t)
	journal(t, db, sample()...)
	ctx := context.Background()
	tests := []struct {
		by    string
		since time.Time
		limit int
		want  []KeyCount
	}{
		{"ip", base, 0, []KeyCount{{"192.0.2.2", 3}, {"192.0.2.1", 1}}},
		{"ip", base, 1, []KeyCount{{"192.0.2.2", 3}}},
		{"ip", base.Add(3 * time.Minute), 0, []KeyCount{{"192.0.2.2", 1}}},
		{"user", base, 0, []KeyCount{{"alice", 1}, {"bob", 1}}},
		{"user", base.Add(time.Hour), 0, []KeyCount{}},
	}
	for _, tt := range tests {
		got, err := db.TopRejected(ctx, tt.by, tt.since, tt.limit)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("TopRejected(%s, %v, %d): got %v, %v; want %v", tt.by, tt.since, tt.limit, got, err, tt.want)
		}
	}
	if _, err := db.TopRejected(ctx, "endpoint", base, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("by endpoint: got %v, want ErrInvalid", err)
	}
}

func TestReplayAttempts(t *testing.T) {
	db := openTest(t)
	// Journal out of time order: replay sorts by time.
	s := sample()
	slices.Reverse(s)
	journal(t, db, s...)
	var got []time.Time
	err := db.ReplayAttempts(context.Background(), base.Add(time.Minute), func(r AttemptRow) error {
		got = append(got, r.At)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{base.Add(time.Minute), base.Add(time.Minute), base.Add(2 * time.Minute), base.Add(3 * time.Minute)}
	if !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("got %v, want %v", got, want)
	}

	stop := errors.New("stop")
	n := 0
	err = db.ReplayAttempts(context.Background(), base, func(AttemptRow) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("got %v after %d rows, want the callback's error after 1", err, n)
	}
}

func TestAttemptRowJSON(t *testing.T) {
	rows := []AttemptRow{
		{ID: 7, At: time.UnixMilli(1_790_000_000_123), Endpoint: "/ws/chat", IP: "192.0.2.1", User: "alice",
			Success: true, Reason: "ok"},
		{ID: 8, At: time.UnixMilli(1_790_000_000_124), Endpoint: "/ws/echo", IP: "2001:db8::", Reason: "rate_limited_ip"},
	}
	b, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"id":7,"at":1790000000123,"endpoint":"/ws/chat","ip":"192.0.2.1","user":"alice","success":true,"reason":"ok"},` +
		`{"id":8,"at":1790000000124,"endpoint":"/ws/echo","ip":"2001:db8::","user":null,"success":false,"reason":"rate_limited_ip"}]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back []AttemptRow
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if back[i].ID != rows[i].ID || !back[i].At.Equal(rows[i].At) || back[i].User != rows[i].User ||
			back[i].Success != rows[i].Success || back[i].IP != rows[i].IP {
			t.Errorf("round trip: got %+v, want %+v", back[i], rows[i])
		}
	}
}
