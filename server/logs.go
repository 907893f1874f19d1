package server

// noteRejection hands a refused handshake to the rejection log, which
// writes the warnings of SPEC section 7: the first rejection of a key in a
// window, then a summary at most once a minute, never a line per attempt.
// The key is the user for a per-user limit, else the IP key.
func (s *Server) noteRejection(ep *endpoint, a *attempt) {
	rej := Rejection{Scope: ScopeIP, IP: a.addr, User: a.user, Endpoint: ep.Path,
		Reason: a.reason, Count: a.limit.Count}
	if a.reason == ReasonRateLimitedUser {
		rej.Scope = ScopeUser
	}
	s.logs.rejects.Rejected(a.now, rej)
}

// warnSuspicious logs a handshake that looks like abuse rather than bad
// luck: a reused token, one from another session or for another endpoint.
// The token itself is never logged.
// pattern is one of the Pattern constants of logthrottle_suspicious.go.
func (s *Server) warnSuspicious(ep *endpoint, a *attempt, user, pattern string) {
	s.logs.suspicious.Note(a.now, pattern, Suspect{IP: a.addr, User: user, Endpoint: ep.Path})
}
