package server

// Log attribute keys of the server's observability logs, defined once so
// that every line spells a field the same way (snake_case).
const (
	logKeyComponent = "component" // the part of the server writing
	logKeyKey       = "key"       // the limiter key's text: an IP (prefix) or a user
	logKeyScope     = "scope"     // "ip" or "user"
	logKeyIP        = "ip"        // the client's IP key
	logKeyUser      = "user"      // the user name, "" when anonymous
	logKeyEndpoint  = "endpoint"  // the endpoint path
	logKeyReason    = "reason"    // a reason of SPEC section 4
	logKeyCount     = "count"     // attempts of the key in its window
	logKeyRejected  = "rejected"  // rejections since the previous line
	logKeyPeriod    = "period"    // the time the rejected count covers
	logKeyPattern   = "pattern"   // which suspicious pattern was seen
	logKeyOrigin    = "origin"    // the Origin header a browser sent
	logKeyKind      = "kind"      // a client error report's kind
	logKeyCode      = "code"      // a WebSocket close code
	logKeyDelayMS   = "delay_ms"  // a reconnect delay in milliseconds
	logKeyAttempt   = "attempt"   // a client's reconnect attempt number
)
