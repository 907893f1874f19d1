package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

// errorBody is every JSON error answer (SPEC section 3).
type errorBody struct {
	Error      string `json:"error"`
	Message    string `json:"message"`
	RetryAfter int64  `json:"retry_after,omitempty"`
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers status with {"error": code, "message": msg}.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{Error: code, Message: msg})
}

// writeRetry answers a refusal that clears with time: Retry-After in
// whole seconds, rounded up, and the same number as "retry_after".
func writeRetry(w http.ResponseWriter, status int, code, msg string, after time.Duration) {
	secs := ceilSeconds(after)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	writeJSON(w, status, errorBody{Error: code, Message: msg, RetryAfter: secs})
}

// writeRateLimited answers 429 with code rate_limited.
func writeRateLimited(w http.ResponseWriter, msg string, after time.Duration) {
	writeRetry(w, http.StatusTooManyRequests, "rate_limited", msg, after)
}

// maxBodyBytes bounds the JSON bodies of the API: they are a few names.
const maxBodyBytes = 16 << 10

// bodyTimeout bounds reading an API request's body.
const bodyTimeout = 10 * time.Second

// decodeBody reads r's JSON body into v, refusing unknown fields and
// oversized bodies. An empty body leaves v untouched.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	// A body trickled in a byte at a time must not hold a goroutine for
	// long: header_timeout covers the headers only.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyTimeout))
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && err != io.EOF {
		return err
	}
	return nil
}
