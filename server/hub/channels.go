package hub

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/coder/websocket"
)

// Client handlers of the channels handler.
const (
	handlerPublish       = "publish"
	handlerChangeChannel = "change_channel"
)

// maxChannelName bounds channel names when the endpoint has no pattern.
const maxChannelName = 256

// dispatch decodes one channels frame and runs its handler, answering
// every refusal with an error frame and counting it as a violation.
func (s *session) dispatch(p []byte) {
	r, ferr := decodeFrame(p)
	if ferr == nil {
		ferr = s.call(r)
	}
	if ferr != nil {
		s.refuse(ferr)
	}
}

// call checks that the handler may be called, then runs it.
func (s *session) call(r request) *frameError {
	name, ep := *r.Handler, s.cn.ep
	if strings.HasPrefix(name, "_") || !slices.Contains(ep.AllowedHandlers, name) {
		return errUnknown
	}
	if !s.permit {
		return errDenied
	}
	switch name {
	case handlerPublish:
		return s.publish(r)
	case handlerChangeChannel:
		return s.changeChannel(r)
	default:
		return errUnknown
	}
}

// refuse sends the error frame and closes the connection with 1008 once
// it made more violations in a minute than the endpoint tolerates.
func (s *session) refuse(e *frameError) {
	cn := s.cn
	cn.hub.obs.Violation(cn.ep.Path, e.code)
	cn.enqueue(outMsg{payload: e.frame})
	if s.viol.add(cn.hub.opts.Clock()) {
		cn.requestClose(websocket.StatusPolicyViolation, "too many protocol violations", closeGraceful)
	}
}

func (s *session) publish(r request) *frameError {
	if r.Data == nil || r.Channel != nil {
		return errNoData
	}
	cn := s.cn
	ch := cn.channel()
	if ch == "" {
		return errNoChannelYet
	}
	from := &cn.meta.User
	if cn.meta.User == "" {
		from = nil
	}
	msg, err := encodeMessage(ch, from, r.Data)
	if err != nil {
		return errBadJSON
	}
	cn.hub.fanout(ch, msg)
	return nil
}

func (s *session) changeChannel(r request) *frameError {
	if r.Channel == nil || r.Data != nil {
		return errNoChannel
	}
	ch := *r.Channel
	if !validChannel(s.cn.ep, ch) {
		return errBadChannel
	}
	s.cn.hub.move(s.cn, ch)

	ack, _ := json.Marshal(struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
	}{"channel", ch})
	s.cn.enqueue(outMsg{payload: ack})
	return nil
}

// validChannel checks a channel name against the endpoint's pattern.
func validChannel(ep *Endpoint, ch string) bool {
	if ep.ChannelPattern == nil {
		return ch != "" && len(ch) <= maxChannelName
	}
	return ep.ChannelPattern.MatchString(ch)
}

// channel returns the connection's current channel.
func (cn *conn) channel() string {
	cn.hub.mu.RLock()
	defer cn.hub.mu.RUnlock()
	return cn.meta.Channel
}

// inChannels reports whether the connection takes part in channels.
func (cn *conn) inChannels() bool {
	return cn.ep.Handler == HandlerChannels
}
