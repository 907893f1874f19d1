// Package hub holds wsgate's live WebSocket connections after the upgrade:
// the registry the admin API lists and closes, the per-connection
// lifecycle (keepalive, idle and duration limits, a bounded send queue
// drained by a writer goroutine that runs only while there is something
// to write) and the two message handlers of SPEC section 6, "echo" and
// "channels".
//
// Start with [New] and [Hub.Serve]: the server upgrades a request, then
// hands the connection to Serve, which blocks until the connection ends
// and always closes it. [Hub.Send] pushes server messages, [Hub.Conns] and
// [Hub.CloseConn] back the admin API, and [Hub.Shutdown] drains on exit.
//
// Channels form one namespace across endpoints: two endpoints serving the
// channels handler are two views of the same channels (one may allow
// publish, another only reading), so a publish on one reaches members
// connected through the other.
//
// A slow reader never holds up anyone else: fan-out encodes a message
// once and offers the same bytes to every member's queue without
// blocking; a member whose queue is full is closed with 1008 ("slow
// consumer") and reported through [Observer.SlowConsumer]. 1008 rather
// than 1013 because the client is at fault, and the bundled client stops
// instead of reconnecting straight into the same overload.
//
// The close codes the hub sends (SPEC section 6):
//
//	1001  the ctx given to Serve ended
//	1003  a binary frame on a channels endpoint
//	1007  a text frame that is not UTF-8
//	1008  more than MaxViolations refused frames in a minute; a slow
//	      consumer; CloseConn from the admin API
//	1009  a message over MaxMessageBytes (sent by coder/websocket)
//	1012  Shutdown, with {"retry_after_ms":N}
//	4408  IdleTimeout or MaxDuration reached
//	4429  over the message rate for 5 seconds, with {"retry_after_ms":N}
//
// Every method of [Hub] is safe for concurrent use.
package hub
