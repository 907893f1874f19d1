package hub

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestDecodeFrame(t *testing.T) {
	tests := []struct {
		frame   string
		handler string
		data    string
		channel string
		err     *frameError
	}{
		{`{"handler":"publish","data":{"a":[1]}}`, "publish", `{"a":[1]}`, "", nil},
		{` {"data":null, "handler":"publish"} `, "publish", "null", "", nil},
		{`{"handler":"change_channel","channel":"x"}`, "change_channel", "", "x", nil},
		{`{"handler":"_x"}`, "_x", "", "", nil},
		{`{}`, "", "", "", errNoHandler},
		{`{"handler":["publish"]}`, "", "", "", errNoHandler},
		{`{"handler":"change_channel","channel":{}}`, "", "", "", errNoChannel},
		{`{"handler":"publish","extra":1}`, "", "", "", errBadField},
		{`[]`, "", "", "", errNotObject},
		{`null`, "", "", "", errNoHandler},
		{`{"handler":"publish"}x`, "", "", "", errBadJSON},
		{`{"handler":"publish",}`, "", "", "", errBadJSON},
		{``, "", "", "", errBadJSON},
		{`{"handler":"publish","data":` + strings.Repeat(`{"a":`, 31) + `1` + strings.Repeat(`}`, 31) + `}`,
			"publish", strings.Repeat(`{"a":`, 31) + `1` + strings.Repeat(`}`, 31), "", nil},
		{`{"handler":"publish","data":` + strings.Repeat(`{"a":`, 32) + `1` + strings.Repeat(`}`, 32) + `}`,
			"", "", "", errTooDeep},
	}
	for _, tt := range tests {
		r, err := decodeFrame([]byte(tt.frame))
		if err != tt.err {
			t.Errorf("%.60s: got error %v, want %v", tt.frame, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		channel := ""
		if r.Channel != nil {
			channel = *r.Channel
		}
		if *r.Handler != tt.handler || string(r.Data) != tt.data || channel != tt.channel {
			t.Errorf("%.60s: got %q %s %q, want %q %s %q", tt.frame, *r.Handler, r.Data, channel, tt.handler, tt.data, tt.channel)
		}
	}
}

// jsonDepth is the reference for depthWithin: the deepest nesting of a
// valid JSON text, found by the standard decoder's tokens.
func jsonDepth(p []byte) int {
	dec := json.NewDecoder(bytes.NewReader(p))
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return deepest
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
			deepest = max(deepest, depth)
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
	}
}

func FuzzDecodeFrame(f *testing.F) {
	for _, seed := range []string{
		`{"handler":"publish","data":{"a":[1,"]}"]}}`,
		`{"handler":"change_channel","channel":"lobby"}`,
		`{"handler":"_x","data":"\"\\"}`,
		`[[[[{"handler":1}]]]]`,
		`{"handler":"publish","data":"` + strings.Repeat("[", 40) + `"}`,
		`{"HANDLER":"publish","Data":1}`,
		"{\"handler\":\"publish\",\"data\":\"\u2028<>&\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if !utf8.Valid(p) {
			return // the read loop closes with 1007 before decoding
		}
		r, ferr := decodeFrame(p)
		valid := json.Valid(p)
		if valid && (jsonDepth(p) <= maxFrameDepth) != depthWithin(p, maxFrameDepth) {
			t.Fatalf("depthWithin disagrees with the decoder on %q", p)
		}
		if ferr != nil {
			if ferr == errTooDeep && valid && jsonDepth(p) <= maxFrameDepth {
				t.Fatalf("refused %q as too deep", p)
			}
			return
		}
		if !valid || r.Handler == nil || jsonDepth(p) > maxFrameDepth {
			t.Fatalf("accepted %q", p)
		}
		if r.Data == nil {
			return
		}

		// What a subscriber receives is valid JSON carrying the same data.
		msg, err := encodeMessage("c", r.Handler, r.Data)
		if err != nil {
			t.Fatalf("encode %q: %v", r.Data, err)
		}
		var got struct{ Data any }
		var want any
		if json.Unmarshal(msg, &got) != nil || json.Unmarshal(r.Data, &want) != nil {
			t.Fatalf("message %q does not decode", msg)
		}
		if !reflect.DeepEqual(got.Data, want) {
			t.Fatalf("got data %v, want %v", got.Data, want)
		}
	})
}

// TestViolationsMatchReference checks the ring against a list of every
// violation time, over random sequences.
func TestViolationsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		max := 1 + rng.IntN(6)
		v := violations{max: max}
		var all []time.Time
		now := time.Unix(0, 0)
		for i := range 100 {
			now = now.Add(time.Duration(rng.IntN(30_000)) * time.Millisecond)
			inWindow := 0
			for _, at := range all {
				if now.Sub(at) < violationWindow {
					inWindow++
				}
			}
			all = append(all, now)
			if got, want := v.add(now), inWindow >= max; got != want {
				t.Fatalf("round %d, violation %d (max %d): got exceeded %v, want %v", round, i, max, got, want)
			}
		}
	}
}

func TestTruncateReason(t *testing.T) {
	tests := []struct {
		in      string
		wantLen int
	}{
		{"short", 5},
		{strings.Repeat("a", 123), 123},
		{strings.Repeat("a", 200), 123},
		{strings.Repeat("é", 70), 122}, // 2-byte runes: never split one
		{"a" + strings.Repeat("€", 50), 121},
	}
	for _, tt := range tests {
		got := truncateReason(tt.in)
		if len(got) != tt.wantLen || !utf8.ValidString(got) || !strings.HasPrefix(tt.in, got) {
			t.Errorf("truncateReason(%.10q...): got %d bytes, want %d", tt.in, len(got), tt.wantLen)
		}
	}
}

func TestDecodeFrameAllocations(t *testing.T) {
	p := []byte(`{"handler":"publish","data":{"text":"hello"}}`)
	allocs := testing.AllocsPerRun(100, func() { decodeFrame(p) })
	// json.Decoder (for DisallowUnknownFields) costs about 13; a frame
	// is decoded once however many subscribers it reaches.
	if allocs > 16 {
		t.Errorf("got %.0f allocations per decode, want at most 16", allocs)
	}
}
