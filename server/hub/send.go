package hub

import (
	"bytes"
	"encoding/json"
)

// Target selects the recipients of [Hub.Send]. The first set field in
// the order ConnID, User, Channel, All decides; a zero Target reaches
// nobody. Only connections of channels endpoints receive server
// messages: an echo client's stream carries its own frames only.
type Target struct {
	Channel string
	User    string
	ConnID  string
	All     bool
}

// Send pushes data, which must be valid JSON, to the target's
// connections as {"type":"message","channel":C,"from":null,"data":data}
// with C each recipient's channel, and returns how many connections it
// was queued for. It never blocks on a client; a recipient whose queue
// is full is closed as a slow consumer and not counted.
func (h *Hub) Send(t Target, data json.RawMessage) int {
	if !json.Valid(data) {
		return 0
	}
	if t.ConnID == "" && t.User == "" && t.Channel != "" {
		msg, err := encodeMessage(t.Channel, nil, data)
		if err != nil {
			return 0
		}
		return h.fanout(t.Channel, msg)
	}

	h.mu.RLock()
	defer h.mu.RUnlock()
	encoded := make(map[string][]byte) // one encoding per channel
	n := 0
	for _, cn := range h.conns {
		if !cn.inChannels() || !t.matchesLocked(cn) {
			continue
		}
		ch := cn.meta.Channel
		msg, ok := encoded[ch]
		if !ok {
			msg, _ = encodeMessage(ch, nil, data)
			encoded[ch] = msg
		}
		if cn.enqueue(outMsg{payload: msg}) {
			n++
		}
	}
	return n
}

// matchesLocked reports whether cn is one of the target's recipients.
func (t Target) matchesLocked(cn *conn) bool {
	switch {
	case t.ConnID != "":
		return cn.meta.ID == t.ConnID
	case t.User != "":
		return cn.meta.User == t.User
	default:
		return t.All
	}
}

// fanout queues msg for every member of channel ch and returns how many
// took it. The same bytes go to every member.
func (h *Hub) fanout(ch string, msg []byte) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for cn := range h.channels[ch] {
		if cn.enqueue(outMsg{payload: msg}) {
			n++
		}
	}
	return n
}

// message is the frame of a published or pushed message.
type message struct {
	Type    string          `json:"type"`
	Channel *string         `json:"channel"`
	From    *string         `json:"from"`
	Data    json.RawMessage `json:"data"`
}

// encodeMessage encodes a message once for all its recipients. data is
// copied as it is (no HTML escaping), whitespace aside.
func encodeMessage(ch string, from *string, data json.RawMessage) ([]byte, error) {
	m := message{Type: "message", From: from, Data: data}
	if ch != "" {
		m.Channel = &ch
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
