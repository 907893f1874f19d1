package server

import "strconv"

// The label values of wsgate's metrics come from fixed lists so that no
// label can ever carry an IP address, a user name or a token, and so that a
// client sending odd values cannot grow a metric without bound. A value
// outside its list is counted as "other".

// labelOther is the label value for anything outside an allow-list.
const labelOther = "other"

// connectResults are the reasons of SPEC section 4, the result label of
// wsgate_connect_attempts_total. "unavailable" covers handshakes refused
// while the server drains.
var connectResults = [...]string{
	"ok",
	"forbidden_origin",
	"over_capacity",
	"rate_limited_ip",
	"bad_token",
	"rate_limited_user",
	"bad_channel",
	"unavailable",
	labelOther,
}

// tokenResults is the result label of wsgate_token_requests_total: "ok"
// and the error codes POST /api/ws-token can answer with.
var tokenResults = [...]string{
	"ok",
	"rate_limited",
	"rate_limited_ip",
	"rate_limited_user",
	"authentication_required",
	"forbidden",
	"bad_request",
	"not_found",
	"error",
	labelOther,
}

// loginResults is the result label of wsgate_login_attempts_total.
var loginResults = [...]string{
	"ok",
	"bad_credentials",
	"rate_limited",
	"forbidden",
	"bad_request",
	"error",
	labelOther,
}

// clientErrorKinds are the report kinds the bundled client sends to
// /api/client-errors (wsgate.js _report), the kind label of
// wsgate_client_errors_total.
var clientErrorKinds = [...]string{
	"connection_lost", // a connection that had opened ended with 1006
	"server_error",    // closed with 1011
	"token_error",     // the token endpoint refused or failed
	"rate_limited",    // a 429 or 4429 told the client to wait
	"giveup",          // the client stopped reconnecting
	"connect_timeout", // a handshake did not finish in time
	labelOther,
}

// violationReasons are the error codes the hub answers a client frame
// with, and why it closes one (hub/frame.go, hub/reader.go): the reason
// label of wsgate_protocol_violations_total. They tell a broken client
// (bad_json, unknown_handler) from a noisy one (rate_limited).
var violationReasons = [...]string{
	"bad_json",
	"bad_frame",
	"unknown_handler",
	"permission_denied",
	"bad_channel",
	"rate_limited",
	"message_too_big",
	"binary_frame",
	"invalid_utf8",
	labelOther,
}

// closeCodes are the close codes of SPEC section 6, the code label of
// wsgate_connections_closed_total; 1005 and 1006 are what a peer that
// vanished leaves behind.
var closeCodes = [...]int{
	1000, 1001, 1003, 1005, 1006, 1007, 1008, 1009, 1011, 1012,
	4401, 4403, 4408, 4429, 4503,
}

// indexOf returns the position of v in list, or the position of "other",
// which every list ends with. The lists are short, and comparing strings
// neither locks nor allocates.
func indexOf(list []string, v string) int {
	for i, s := range list {
		if s == v {
			return i
		}
	}
	return len(list) - 1
}

// closeCodeIndex returns the position of code in closeCodes, or
// len(closeCodes) for any other code.
func closeCodeIndex(code int) int {
	for i, c := range closeCodes {
		if c == code {
			return i
		}
	}
	return len(closeCodes)
}

// closeCodeLabels returns the code label values, "other" last.
func closeCodeLabels() []string {
	labels := make([]string, 0, len(closeCodes)+1)
	for _, c := range closeCodes {
		labels = append(labels, strconv.Itoa(c))
	}
	return append(labels, labelOther)
}
