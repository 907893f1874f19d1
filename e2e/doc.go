// Package e2e holds wsgate's end-to-end hardening tests: each test builds
// nothing but a configuration file, starts the real wsgate binary as a
// child process on a free loopback port with its own SQLite file, and
// attacks it over real sockets the way a hostile client on the internet
// would: slow and malformed requests and frames, forged forwarding
// headers, floods of addresses and connections, a SIGKILL in the middle of
// a storm, and a descriptor limit too small for the load.
//
// The package has no non-test code. Start with main_test.go (the binary is
// built once in TestMain) and gateway_test.go (starting, restarting and
// killing a server); raw_test.go speaks the WebSocket framing byte by byte
// where a well-behaved client library would refuse to misbehave. The
// attacks are grouped by kind: slow_test.go (slow and stalled clients),
// frames_test.go (bad frames, floods, compression), address_test.go
// (forwarding headers and key floods), tokens_test.go and auth_test.go
// (guessing, replay, cross-site, admin), crash_test.go and shutdown_test.go
// (SIGKILL and SIGTERM), ceilings_test.go (connections and descriptors).
//
// Every test is bounded in time and in the number of requests it sends,
// polls with deadlines instead of sleeping, and asserts outcomes (status
// codes, close codes, journal rows, metrics), never durations. SECURITY.md
// at the repository root lists the promises these tests hold wsgate to.
package e2e
