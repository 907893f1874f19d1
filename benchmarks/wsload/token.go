package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// tokenScenario measures the end-to-end flow of the product's connect
// path: each loop logs in once, then repeatedly asks POST /api/ws-token
// for a token and connects with it (and its session cookie). Each loop
// is its own user at its own address (X-Forwarded-For through the
// trusted loopback proxy). The baseline answers the same requests
// without checking or storing anything, so the ratio is the price of the
// real checks.
func tokenScenario() *scenario {
	return &scenario{
		name:      "token",
		about:     "login once per loop, then token request + connect with the token, end to end",
		needsUser: true,
		run:       runToken,
		metrics: []metricDef{
			{key: "per_s", label: "token + connect flows/s", unit: "/s"},
			{key: "login_p50", label: "login p50 (all loops at once)", unit: "ms"},
			{key: "token_p50", label: "token request p50", unit: "ms"},
			{key: "connect_p50", label: "connect with token p50", unit: "ms"},
			{key: "cpu_us", label: "server CPU per flow", unit: "µs"},
		},
	}
}

// tokenResults gathers what the token loops measured.
type tokenResults struct {
	mu              sync.Mutex // guards everything below
	login, tok, con latencies
	flows, failures int
	firstErr        error
}

// runToken is one token trial.
func runToken(ctx context.Context, t *trial) (sample, error) {
	res := &tokenResults{}
	lctx, cancel := context.WithTimeout(ctx, t.opts.Duration+30*time.Second)
	defer cancel()
	sessions := loginAll(lctx, t, res)
	if len(sessions) == 0 {
		return nil, fmt.Errorf("no login succeeded: %v", res.firstErr)
	}

	cpu0, cpuErr := t.srv.cpu()
	start := time.Now()
	fctx, cancel2 := context.WithTimeout(ctx, t.opts.Duration)
	defer cancel2()
	var wg sync.WaitGroup
	for _, sess := range sessions {
		wg.Go(func() { tokenLoop(fctx, t, sess, res) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1, cpuErr2 := t.srv.cpu()
	for _, sess := range sessions {
		sess.client.CloseIdleConnections()
	}

	if res.flows == 0 || res.failures*100 > res.flows {
		return nil, fmt.Errorf("%d flows, %d failed: %v", res.flows, res.failures, res.firstErr)
	}
	s := sample{
		"per_s":       float64(res.flows) / elapsed.Seconds(),
		"login_p50":   res.login.quantileMs(50),
		"token_p50":   res.tok.quantileMs(50),
		"connect_p50": res.con.quantileMs(50),
	}
	if cpuErr == nil && cpuErr2 == nil {
		s["cpu_us"] = float64((cpu1 - cpu0).Microseconds()) / float64(res.flows)
	}
	return s, nil
}

// session is one logged-in loop's HTTP client, cookie and address.
type session struct {
	client *http.Client
	cookie string // "wsgate_session=..."
	xff    string // the loop's client address
}

// loginAll logs opts.TokenWorkers loops in at once and returns their
// sessions, recording each login's latency.
func loginAll(ctx context.Context, t *trial, res *tokenResults) []*session {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex // guards sessions
		sessions []*session
	)
	for i := range t.opts.TokenWorkers {
		wg.Go(func() {
			start := time.Now()
			s, err := login(ctx, t, i)
			res.record(&res.login, time.Since(start), err)
			if err == nil {
				mu.Lock()
				sessions = append(sessions, s)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return sessions
}

// login posts benchmark user i's credentials and keeps the cookie.
func login(ctx context.Context, t *trial, i int) (*session, error) {
	body, _ := json.Marshal(map[string]string{"username": benchUser(i), "password": benchPassword})
	s := &session{
		client: &http.Client{Timeout: handshakeTimeout, Transport: &http.Transport{}},
		xff:    fmt.Sprintf("10.250.%d.%d", byte(i>>8), byte(i)),
	}
	resp, err := s.post(ctx, t.url("/api/login"), body)
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("login: status %d", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "wsgate_session" {
			s.cookie = c.Name + "=" + c.Value
			return s, nil
		}
	}
	return nil, fmt.Errorf("login: no wsgate_session cookie")
}

// tokenLoop asks for a token and connects with it until ctx ends.
func tokenLoop(ctx context.Context, t *trial, s *session, res *tokenResults) {
	var d net.Dialer
	body, _ := json.Marshal(map[string]string{"endpoint": pathToken})
	for i := 0; i < maxAttemptsPerLoop && ctx.Err() == nil; i++ {
		start := time.Now()
		tok, err := s.token(ctx, t, body)
		if expired(ctx) {
			return
		}
		res.record(&res.tok, time.Since(start), err)
		if err != nil {
			continue
		}

		req := &handshakeRequest{
			Target: pathToken + "?ws_token=" + url.QueryEscape(tok),
			Header: []string{"Cookie: " + s.cookie, "X-Forwarded-For: " + s.xff},
		}
		r, err := handshake(ctx, &d, t.srv.addr, req)
		if expired(ctx) {
			return
		}
		if err == nil && r.Status != http.StatusSwitchingProtocols {
			err = fmt.Errorf("connect with token: status %d", r.Status)
		}
		res.record(&res.con, r.Latency, err)
		if err == nil {
			res.mu.Lock()
			res.flows++
			res.mu.Unlock()
		}
	}
}

// token requests one WebSocket token for the session.
func (s *session) token(ctx context.Context, t *trial, body []byte) (string, error) {
	resp, err := s.post(ctx, t.url("/api/ws-token"), body)
	if err != nil {
		return "", fmt.Errorf("request token: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return "", fmt.Errorf("request token: status %d", resp.StatusCode)
	}
	var answer struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || answer.Token == "" {
		return "", fmt.Errorf("request token: no token in the answer (%v)", err)
	}
	return answer.Token, nil
}

// post sends a JSON body with the session cookie, if any.
func (s *session) post(ctx context.Context, u string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", s.xff)
	if s.cookie != "" {
		req.Header.Set("Cookie", s.cookie)
	}
	return s.client.Do(req)
}

// record adds a latency on success, or counts a failure.
func (r *tokenResults) record(l *latencies, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.failures++
		r.firstErr = cmpErr(r.firstErr, err)
		return
	}
	l.observe(d)
}
