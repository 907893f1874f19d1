// Command wsload is wsgate's load-test harness. It drives a wsgate
// process over loopback with six scenarios and measures a bare
// github.com/coder/websocket server doing the same work beside it, so
// every figure comes with a baseline from the same run:
//
//	handshake  accepted handshakes per second, server CPU per handshake
//	reject     attempts answered 429 before the upgrade, against the
//	           baseline's accepted handshakes
//	storm      thousands of clients, each with its own X-Forwarded-For
//	           address, reconnecting in a tight loop while a few
//	           well-behaved clients connect once a second
//	idle       server memory per idle connection
//	token      login, token request and connect, end to end
//	fanout     one publisher, many subscribers in one channel
//
// Run it from the benchmarks module:
//
//	cd benchmarks && go run ./wsload [flags] [scenario ...]
//
// By default it builds wsgate from the repository root, and for every
// trial starts a fresh "wsgate serve" with a generated configuration
// (wsgateConfig) and database in a scratch directory, or a fresh
// baseline: this same binary re-executed in the hidden
// "baseline-server" mode. The two alternate for --rounds rounds per
// scenario; the report gives each server's median over the rounds and
// their ratio, and marks each of the targets met or missed. CPU
// time and memory are read from /proc/<pid>.
//
// Where to start reading: runner.go (the rounds), launch.go (starting
// servers), wsdial.go (the lean handshake client most scenarios use),
// then one scenario file. Each scenario's client goroutines keep their
// own counts and merge them under a mutex at the end; nothing else is
// shared between goroutines.
package main
