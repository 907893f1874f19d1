package server

import (
	"net/http"

	"github.com/coder/websocket"
)

// The reasons of SPEC section 4: what the journal records, the result
// label of the attempt metrics and the error code of a refused handshake.
const (
	ReasonOK              = "ok"
	ReasonForbiddenOrigin = "forbidden_origin"
	ReasonOverCapacity    = "over_capacity"
	ReasonRateLimitedIP   = "rate_limited_ip"
	ReasonBadToken        = "bad_token"
	ReasonRateLimitedUser = "rate_limited_user"
	ReasonBadChannel      = "bad_channel"
	// ReasonUnavailable refuses handshakes while the server drains.
	ReasonUnavailable = "unavailable"
)

// rejection is how one reason is answered in each reject mode.
type rejection struct {
	status  int                  // reject_mode = "http"
	code    websocket.StatusCode // reject_mode = "close"
	message string
}

// rejections maps every refusing reason to its answers. Bad channels close
// with 1008, policy violation: the client must not retry unchanged.
var rejections = map[string]rejection{
	ReasonForbiddenOrigin: {http.StatusForbidden, 4403, "this origin may not open WebSockets here"},
	ReasonOverCapacity:    {http.StatusServiceUnavailable, 4503, "the server is at its connection limit"},
	ReasonRateLimitedIP:   {http.StatusTooManyRequests, 4429, "too many connection attempts from this address"},
	ReasonBadToken:        {http.StatusUnauthorized, 4401, "the token is missing, invalid, expired or already used"},
	ReasonRateLimitedUser: {http.StatusTooManyRequests, 4429, "too many connection attempts by this user"},
	ReasonBadChannel:      {http.StatusBadRequest, websocket.StatusPolicyViolation, "the channel name is not allowed"},
	ReasonUnavailable:     {http.StatusServiceUnavailable, 4503, "the server is shutting down"},
}
