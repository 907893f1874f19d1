package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsgate/wsgate/persist"
)

// adminStats is the body of GET /api/admin/stats: every metric once, the
// open connections the hub counts, and the server's clock so that the
// admin page computes rates on the server's time.
type adminStats struct {
	MetricsSnapshot
	Now       int64    `json:"now"` // Unix milliseconds
	OpenTotal int      `json:"connections_open"`
	Endpoints []string `json:"endpoints"`
}

// handleAdminStats answers GET /api/admin/stats.
func (s *Server) handleAdminStats(w http.ResponseWriter, r *http.Request) {
	st := adminStats{MetricsSnapshot: s.metrics.Snapshot(), Now: s.clock().UnixMilli()}
	for path := range s.endpoints {
		st.OpenTotal += s.hub.Count(path)
		st.Endpoints = append(st.Endpoints, path)
	}
	slices.Sort(st.Endpoints)
	writeJSON(w, http.StatusOK, st)
}

// Bounds of the admin queries.
const (
	defaultAttemptsLimit = 100
	maxAttemptsLimit     = 1000
	defaultTopLimit      = 10
	maxTopLimit          = 100
	maxQueryValue        = 256
)

// handleAdminAttempts answers GET /api/admin/attempts?ip=&user=&since=
// &limit=&rejected= with {"attempts": [...]}, newest first, each attempt
// with the columns of connection_attempts (as "wsgate audit --json").
func (s *Server) handleAdminAttempts(w http.ResponseWriter, r *http.Request) {
	f, err := s.attemptFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	rows, err := s.db.Attempts(r.Context(), f)
	if err != nil {
		s.log.Error("list attempts", "err", err)
		writeError(w, http.StatusInternalServerError, "internal_error", "the journal could not be read")
		return
	}
	writeJSON(w, http.StatusOK, map[string][]persist.AttemptRow{"attempts": rows})
}

// attemptFilter reads the query of /api/admin/attempts. An IP is keyed the
// way the journal records it, so a full IPv6 address finds its /64.
func (s *Server) attemptFilter(r *http.Request) (persist.AttemptFilter, error) {
	q := r.URL.Query()
	f := persist.AttemptFilter{User: q.Get("user"), Limit: defaultAttemptsLimit}
	if len(f.User) > maxQueryValue {
		return f, errors.New("user: too long")
	}
	if ip := q.Get("ip"); ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return f, fmt.Errorf("ip: %q is not an IP address", truncate(ip, 64))
		}
		f.IP = s.ips.key(a.Unmap()).String()
	}
	since, err := parseSince(q.Get("since"), s.clock())
	if err != nil {
		return f, err
	}
	f.Since = since
	if f.Limit, err = parseLimit(q.Get("limit"), defaultAttemptsLimit, maxAttemptsLimit); err != nil {
		return f, err
	}
	switch q.Get("rejected") {
	case "", "0", "false":
	case "1", "true":
		f.RejectedOnly = true
	default:
		return f, errors.New("rejected: want true or false")
	}
	return f, nil
}

// topRejected is the body of GET /api/admin/top.
type topRejected struct {
	By    string             `json:"by"`
	Since int64              `json:"since"` // Unix milliseconds
	Top   []persist.KeyCount `json:"top"`
}

// handleAdminTop answers GET /api/admin/top?by=ip|user&since=1h&limit=10:
// the keys with the most rejected attempts in the period, for the admin
// page's tables.
func (s *Server) handleAdminTop(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	by := q.Get("by")
	if by == "" {
		by = "ip"
	}
	if by != "ip" && by != "user" {
		writeError(w, http.StatusBadRequest, "bad_request", "by: want ip or user")
		return
	}
	sinceText := q.Get("since")
	if sinceText == "" {
		sinceText = "1h"
	}
	since, err := parseSince(sinceText, s.clock())
	if err == nil && since.IsZero() {
		err = errors.New("since: required")
	}
	limit, lerr := parseLimit(q.Get("limit"), defaultTopLimit, maxTopLimit)
	if err = errors.Join(err, lerr); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	top, err := s.db.TopRejected(r.Context(), by, since, limit)
	if err != nil {
		s.log.Error("top rejected", "err", err)
		writeError(w, http.StatusInternalServerError, "internal_error", "the journal could not be read")
		return
	}
	writeJSON(w, http.StatusOK, topRejected{By: by, Since: since.UnixMilli(), Top: top})
}

// parseSince reads a period back from now ("90s", "15m", "1h", "7d") or a
// point in time (RFC 3339). "" is the zero time: no bound.
func parseSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := parsePeriod(v)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("since: %q: want a period such as 15m, 1h or 7d, or an RFC 3339 time",
			truncate(v, 64))
	}
	return now.Add(-d), nil
}

// parsePeriod is time.ParseDuration with days ("7d") added.
func parsePeriod(v string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n > 3650 {
			return 0, errors.New("bad days")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(v)
}

// parseLimit reads a limit between 1 and max; "" is def.
func parseLimit(v string, def, max int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, fmt.Errorf("limit: want 1 to %d", max)
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
