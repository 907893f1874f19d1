package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsgate/wsgate/limiter"
)

type clientErrorsFixture struct {
	h       *ClientErrors
	metrics *Metrics
	logs    *logCapture
	now     time.Time
}

func newClientErrorsFixture(max int) *clientErrorsFixture {
	f := &clientErrorsFixture{metrics: NewMetrics(nil), now: t0}
	var logger *slog.Logger
	f.logs, logger = newLogCapture()
	f.h = NewClientErrors(&ClientErrorsOptions{
		Logger:  logger,
		Metrics: f.metrics,
		Limit:   limiter.Policy{Max: max, Window: time.Minute},
		Clock:   func() time.Time { return f.now },
	})
	return f
}

func (f *clientErrorsFixture) post(ip, contentType, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/api/client-errors", strings.NewReader(body))
	r.RemoteAddr = ip + ":40000"
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func TestClientErrorsAnswers(t *testing.T) {
	cases := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
	}{
		{"valid", "application/json", `{"kind":"giveup","code":4401,"delay":null,"attempt":3}`, 204},
		{"valid with delay", "application/json; charset=utf-8", `{"kind":"rate_limited","code":4429,"delay":1500,"attempt":1}`, 204},
		{"kind only", "application/json", `{"kind":"connection_lost"}`, 204},
		{"unknown kind counted as other", "application/json", `{"kind":"brand_new_kind"}`, 204},
		{"oversized", "application/json", `{"kind":"giveup","pad":"` + strings.Repeat("x", 3000) + `"}`, 413},
		{"not json", "application/json", `kind=giveup`, 400},
		{"truncated", "application/json", `{"kind":"giveup"`, 400},
		{"unknown field", "application/json", `{"kind":"giveup","user":"alice"}`, 400},
		{"no kind", "application/json", `{"code":1006}`, 400},
		{"kind with markup", "application/json", `{"kind":"<b>x</b>"}`, 400},
		{"kind too long", "application/json", `{"kind":"` + strings.Repeat("a", 65) + `"}`, 400},
		{"bad code", "application/json", `{"kind":"giveup","code":99999}`, 400},
		{"negative delay", "application/json", `{"kind":"giveup","delay":-1}`, 400},
		{"fractional attempt", "application/json", `{"kind":"giveup","attempt":1.5}`, 400},
		{"two objects", "application/json", `{"kind":"giveup"}{"kind":"giveup"}`, 400},
		{"array", "application/json", `[{"kind":"giveup"}]`, 400},
		{"text/plain", "text/plain", `{"kind":"giveup"}`, 415},
		{"no content type", "", `{"kind":"giveup"}`, 415},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newClientErrorsFixture(100)
			w := f.post("192.0.2.10", c.contentType, c.body)
			if w.Code != c.wantStatus {
				t.Fatalf("got status %d, want %d (body %s)", w.Code, c.wantStatus, w.Body)
			}
			if c.wantStatus == 204 {
				return
			}
			var body errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("error body %q: %v", w.Body, err)
			}
			if body.Error != "bad_request" || body.Message == "" {
				t.Errorf("got error body %+v, want bad_request with a message", body)
			}
		})
	}
}

func TestClientErrorsCountsAndLogsAtDebug(t *testing.T) {
	f := newClientErrorsFixture(100)
	for _, kind := range []string{"giveup", "giveup", "token_error", "who_knows"} {
		if w := f.post("192.0.2.10", "application/json", `{"kind":"`+kind+`","code":4401}`); w.Code != 204 {
			t.Fatalf("report %s: got status %d, want 204", kind, w.Code)
		}
	}
	f.post("192.0.2.10", "application/json", `{"kind":"giveup","code":-5}`) // refused, not counted

	got := f.metrics.Snapshot().ClientErrors
	want := map[string]float64{"giveup": 2, "token_error": 1, "other": 1}
	if len(got) != len(want) {
		t.Errorf("got counts %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("kind %s: got %v, want %v", k, got[k], v)
		}
	}
	lines := f.logs.lines(t)
	if len(lines) != 4 {
		t.Fatalf("got %d log lines, want 4", len(lines))
	}
	if lines[0]["level"] != "DEBUG" || lines[0]["kind"] != "giveup" || lines[0]["code"] != 4401.0 {
		t.Errorf("got log line %v, want a debug line with kind and code", lines[0])
	}
}

func TestClientErrorsFloodIsRefusedPerIP(t *testing.T) {
	f := newClientErrorsFixture(5)
	report := `{"kind":"connection_lost","code":1006,"delay":null,"attempt":0}`

	for i := range 5 {
		if w := f.post("198.51.100.7", "application/json", report); w.Code != 204 {
			t.Fatalf("report %d: got status %d, want 204", i, w.Code)
		}
	}
	// Malformed and oversized reports count against the limit too.
	for i, body := range []string{report, "garbage", strings.Repeat("x", 5000)} {
		w := f.post("198.51.100.7", "application/json", body)
		if w.Code != http.StatusTooManyRequests {
			t.Fatalf("flood %d: got status %d, want 429", i, w.Code)
		}
		if got := w.Header().Get("Retry-After"); got != "60" {
			t.Errorf("flood %d: got Retry-After %q, want 60", i, got)
		}
		var body errorBody
		json.Unmarshal(w.Body.Bytes(), &body)
		if body.Error != "rate_limited" || body.RetryAfter != 60 {
			t.Errorf("flood %d: got body %+v, want rate_limited, retry_after 60", i, body)
		}
	}

	// Another address is unaffected, and the flooder is admitted again
	// once its window has passed.
	if w := f.post("198.51.100.8", "application/json", report); w.Code != 204 {
		t.Errorf("other IP: got status %d, want 204", w.Code)
	}
	f.now = f.now.Add(61 * time.Second)
	if w := f.post("198.51.100.7", "application/json", report); w.Code != 204 {
		t.Errorf("after the window: got status %d, want 204", w.Code)
	}
	if got := f.metrics.Snapshot().ClientErrors["connection_lost"]; got != 7 {
		t.Errorf("counted %v reports, want 7 (the refused ones not counted)", got)
	}
}

func TestClientErrorsMethod(t *testing.T) {
	f := newClientErrorsFixture(5)
	r := httptest.NewRequest(http.MethodGet, "/api/client-errors", nil)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" {
		t.Errorf("GET: got %d Allow %q, want 405 Allow POST", w.Code, w.Header().Get("Allow"))
	}
	io.Copy(io.Discard, w.Body)
}

func FuzzParseClientReport(f *testing.F) {
	seeds := []string{
		`{"kind":"giveup","code":4401,"delay":null,"attempt":3}`,
		`{"kind":"rate_limited","code":4429,"delay":1500,"attempt":1}`,
		`{"kind":"x"}`,
		`{"kind":"giveup","extra":1}`,
		`{"kind":"giveup"} trailing`,
		`{"kind":"A"}`,
		`{"kind":"giveup","delay":1e300}`,
		`null`,
		`"\ud800"`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rep, err := parseClientReport(body)
		if err != nil {
			return
		}
		// An accepted report is valid, and survives a round trip unchanged.
		if err := rep.validate(); err != nil {
			t.Fatalf("accepted report %+v fails validation: %v", rep, err)
		}
		again, err := json.Marshal(rep)
		if err != nil {
			t.Fatalf("marshal %+v: %v", rep, err)
		}
		rep2, err := parseClientReport(again)
		if err != nil {
			t.Fatalf("re-parse %s: %v", again, err)
		}
		if rep.Kind != rep2.Kind || rep.Code != rep2.Code || rep.Attempt != rep2.Attempt ||
			rep.delayMS() != rep2.delayMS() {
			t.Fatalf("round trip: got %+v, want %+v", rep2, rep)
		}
	})
}
