package hub

import (
	"fmt"
	"strings"
	"testing"
)

func TestPublishReachesChannelMembersOnly(t *testing.T) {
	ts := newTestServer(t, nil, chatEndpoint())
	alice := ts.dial(t, "channel=a&user=alice")
	anon := ts.dial(t, "channel=a")
	other := ts.dial(t, "channel=b&user=bob")

	send(t, alice, `{"handler":"publish","data":{"text":"hi","n":[1,2]}}`)
	for name, c := range map[string]*wsConn{"alice": alice, "anon": anon} {
		got := recv(t, c)
		want := `map[channel:a data:map[n:[1 2] text:hi] from:alice type:message]`
		if fmt.Sprint(got) != want {
			t.Errorf("%s got %v, want %v", name, got, want)
		}
	}

	// bob's first message must be his own: nothing of channel a leaked.
	send(t, other, `{"handler":"publish","data":null}`)
	got := recv(t, other)
	if want := `map[channel:b data:<nil> from:bob type:message]`; fmt.Sprint(got) != want {
		t.Errorf("bob got %v, want %v", got, want)
	}

	// An anonymous publisher is from null.
	send(t, anon, `{"handler":"publish","data":"x"}`)
	if got := recv(t, alice); got["from"] != nil {
		t.Errorf("got from %v, want null", got["from"])
	}
}

func TestChangeChannelMovesTheConnection(t *testing.T) {
	ts := newTestServer(t, nil, chatEndpoint())
	mover := ts.dial(t, "channel=a")
	stay := ts.dial(t, "channel=a")
	there := ts.dial(t, "channel=b")

	send(t, mover, `{"handler":"change_channel","channel":"b"}`)
	if got := recv(t, mover); fmt.Sprint(got) != "map[channel:b type:channel]" {
		t.Fatalf("got %v, want the channel answer", got)
	}

	send(t, stay, `{"handler":"publish","data":"for a"}`)
	if got := recv(t, stay); got["data"] != "for a" {
		t.Fatalf("got %v, want the message to a", got)
	}
	send(t, there, `{"handler":"publish","data":"for b"}`)
	for _, c := range []*wsConn{mover, there} {
		if got := recv(t, c); got["data"] != "for b" || got["channel"] != "b" {
			t.Errorf("got %v, want the message to b", got)
		}
	}
	if got := ts.hub.Conns(); countChannel(got, "b") != 2 || countChannel(got, "a") != 1 {
		t.Errorf("got members %v, want a:1 b:2", got)
	}
}

func countChannel(list []Meta, ch string) int {
	n := 0
	for _, m := range list {
		if m.Channel == ch {
			n++
		}
	}
	return n
}

func TestBadFramesGetErrorFrames(t *testing.T) {
	ep := chatEndpoint()
	ep.AllowedHandlers = []string{"publish", "_secret"}
	ep.MaxViolations = 100
	ts := newTestServer(t, nil, ep)
	c := ts.dial(t, "channel=a")

	deep := strings.Repeat("[", 32) + strings.Repeat("]", 32)
	tests := []struct {
		name, frame, code string
	}{
		{"not json", `hello`, "bad_json"},
		{"truncated", `{"handler":"publish"`, "bad_json"},
		{"trailing data", `{"handler":"publish","data":1} {}`, "bad_json"},
		{"array", `["publish"]`, "bad_frame"},
		{"string", `"publish"`, "bad_frame"},
		{"no handler", `{"data":1}`, "bad_frame"},
		{"handler not a string", `{"handler":7,"data":1}`, "bad_frame"},
		{"null handler", `{"handler":null,"data":1}`, "bad_frame"},
		{"unknown field", `{"handler":"publish","data":1,"to":"b"}`, "bad_frame"},
		{"publish without data", `{"handler":"publish"}`, "bad_frame"},
		{"publish with channel", `{"handler":"publish","data":1,"channel":"b"}`, "bad_frame"},
		{"too deep", `{"handler":"publish","data":` + deep + `}`, "bad_frame"},
		{"unknown handler", `{"handler":"subscribe"}`, "unknown_handler"},
		{"underscore handler, even allowed", `{"handler":"_secret"}`, "unknown_handler"},
		{"known but not allowed here", `{"handler":"change_channel","channel":"b"}`, "unknown_handler"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			send(t, c, tt.frame)
			got := recv(t, c)
			if got["type"] != "error" || got["error"] != tt.code || got["message"] == "" {
				t.Errorf("got %v, want error %s", got, tt.code)
			}
		})
	}

	// Still open, and still working.
	send(t, c, `{"handler":"publish","data":"ok"}`)
	if got := recv(t, c); got["data"] != "ok" {
		t.Errorf("got %v after the errors, want the message", got)
	}
}

func TestChangeChannelValidation(t *testing.T) {
	ts := newTestServer(t, nil, chatEndpoint())
	c := ts.dial(t, "channel=a")

	tests := []struct {
		frame, code string
	}{
		{`{"handler":"change_channel","channel":"no spaces"}`, "bad_channel"},
		{`{"handler":"change_channel","channel":""}`, "bad_channel"},
		{`{"handler":"change_channel","channel":"` + strings.Repeat("x", 129) + `"}`, "bad_channel"},
		{`{"handler":"change_channel"}`, "bad_frame"},
		{`{"handler":"change_channel","channel":5}`, "bad_frame"},
		{`{"handler":"change_channel","channel":"b","data":1}`, "bad_frame"},
	}
	for _, tt := range tests {
		send(t, c, tt.frame)
		if got := recv(t, c); got["error"] != tt.code {
			t.Errorf("%s: got %v, want error %s", tt.frame, got, tt.code)
		}
	}
	if got := ts.hub.Conns()[0].Channel; got != "a" {
		t.Errorf("got channel %q after refusals, want a", got)
	}
}

func TestPermissions(t *testing.T) {
	tests := []struct {
		name          string
		anyOf, allOf  []string
		perms         string
		wantPermitted bool
	}{
		{"none required", nil, nil, "", true},
		{"any: holds one", []string{"chat", "admin"}, nil, "admin", true},
		{"any: holds none", []string{"chat", "admin"}, nil, "read", false},
		{"any: anonymous", []string{"chat"}, nil, "", false},
		{"all: holds all", nil, []string{"chat", "post"}, "post,chat,x", true},
		{"all: holds some", nil, []string{"chat", "post"}, "chat", false},
		{"both: holds both", []string{"a", "b"}, []string{"c"}, "b,c", true},
		{"both: lacks the any", []string{"a", "b"}, []string{"c"}, "c", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := chatEndpoint()
			ep.PermsAny, ep.PermsAll = tt.anyOf, tt.allOf
			ts := newTestServer(t, nil, ep)
			c := ts.dial(t, "channel=a&user=u&perms="+tt.perms)

			for _, frame := range []string{
				`{"handler":"publish","data":1}`,
				`{"handler":"change_channel","channel":"b"}`,
			} {
				send(t, c, frame)
				got := recv(t, c)
				if denied := got["error"] == "permission_denied"; denied == tt.wantPermitted {
					t.Errorf("%s: got %v, want permitted %v", frame, got, tt.wantPermitted)
				}
			}
		})
	}
}

// TestEndpointsShareChannels: endpoints are views of one set of channels,
// so a read-only endpoint's members get what another endpoint publishes.
func TestEndpointsShareChannels(t *testing.T) {
	chat := newTestServer(t, nil, chatEndpoint())
	feedEp := chatEndpoint()
	feedEp.Path, feedEp.AllowedHandlers = "/ws/feed", []string{"change_channel"}
	feed := serveEndpoint(t, chat.hub, feedEp)

	writer := chat.dial(t, "channel=news&user=ed")
	reader := feed.dial(t, "channel=news")

	send(t, reader, `{"handler":"publish","data":1}`)
	if got := recv(t, reader); got["error"] != "unknown_handler" {
		t.Errorf("got %v publishing on the feed, want unknown_handler", got)
	}
	send(t, writer, `{"handler":"publish","data":"headline"}`)
	for _, c := range []*wsConn{writer, reader} {
		if got := recv(t, c); got["data"] != "headline" || got["from"] != "ed" {
			t.Errorf("got %v, want ed's headline", got)
		}
	}
}
