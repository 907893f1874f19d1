package server

// noteRejection logs a refused handshake at debug level. The throttled
// warnings of SPEC section 7 (the first rejection of a key in a window,
// then a summary at most once a minute) are written by the log throttle.
func (s *Server) noteRejection(ep *endpoint, a *attempt) {
	s.log.Debug("handshake refused", "endpoint", ep.Path, "ip", a.addr,
		"user", a.user, "reason", a.reason)
}

// warnSuspicious logs a handshake that looks like abuse rather than bad
// luck: a reused token, one from another session or for another endpoint.
// The token itself is never logged.
func (s *Server) warnSuspicious(ep *endpoint, a *attempt, user, what string) {
	s.log.Warn(what, "endpoint", ep.Path, "ip", a.addr, "user", user)
}
