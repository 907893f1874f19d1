package hub

// sendQueue is a connection's bounded FIFO of outgoing messages. Its
// storage is allocated on first use and grows by doubling to at most max
// slots, so a connection that is never sent anything (an idle echo
// client) pays nothing for it. The zero value with max set is ready to
// use. Not safe for concurrent use: conn.sendMu guards it.
type sendQueue struct {
	max  int
	buf  []outMsg // queued messages are buf[head:]
	head int
}

// minQueueSlots is the first allocation: enough for the error frame and
// the few messages a typical burst queues, 256 bytes.
const minQueueSlots = 8

func (q *sendQueue) len() int { return len(q.buf) - q.head }

// push appends m and reports false, leaving the queue unchanged, when it
// already holds max messages.
func (q *sendQueue) push(m outMsg) bool {
	if q.len() >= q.max {
		return false
	}
	if len(q.buf) == cap(q.buf) {
		q.makeRoom()
	}
	q.buf = append(q.buf, m)
	return true
}

// makeRoom frees a slot at the end of a full buf: by moving the queued
// messages to the front when popped slots precede them, else by growing.
func (q *sendQueue) makeRoom() {
	if q.head > 0 {
		n := copy(q.buf, q.buf[q.head:])
		clear(q.buf[n:])
		q.buf, q.head = q.buf[:n], 0
		return
	}
	grown := make([]outMsg, len(q.buf), min(max(2*cap(q.buf), minQueueSlots), q.max))
	copy(grown, q.buf)
	q.buf = grown
}

// pop removes and returns the oldest message, if any. The popped slot is
// cleared so the queue does not keep a sent payload alive.
func (q *sendQueue) pop() (outMsg, bool) {
	if q.head == len(q.buf) {
		return outMsg{}, false
	}
	m := q.buf[q.head]
	q.buf[q.head] = outMsg{}
	q.head++
	if q.head == len(q.buf) {
		q.buf, q.head = q.buf[:0], 0
	}
	return m, true
}
