package hub

import (
	"fmt"
	"testing"
)

func TestSendTargets(t *testing.T) {
	ts := newTestServer(t, nil, chatEndpoint())
	echo := newTestServer(t, nil, echoEndpoint())
	a1 := ts.dial(t, "channel=a&user=ann")
	a2 := ts.dial(t, "channel=a&user=bob")
	b1 := ts.dial(t, "channel=b&user=ann")
	echo.dial(t, "")
	ids := map[string]string{}
	for _, m := range ts.hub.Conns() {
		ids[m.User+"@"+m.Channel] = m.ID
	}

	tests := []struct {
		name   string
		target Target
		want   map[*wsConn]string // recipients and the channel they see
	}{
		{"channel", Target{Channel: "a"}, map[*wsConn]string{a1: "a", a2: "a"}},
		{"user across channels", Target{User: "ann"}, map[*wsConn]string{a1: "a", b1: "b"}},
		{"connection", Target{ConnID: ids["bob@a"]}, map[*wsConn]string{a2: "a"}},
		{"all", Target{All: true}, map[*wsConn]string{a1: "a", a2: "a", b1: "b"}},
		{"connection wins over all", Target{ConnID: ids["ann@b"], All: true}, map[*wsConn]string{b1: "b"}},
		{"unknown channel", Target{Channel: "zz"}, nil},
		{"unknown user", Target{User: "zed"}, nil},
		{"unknown connection", Target{ConnID: "0"}, nil},
		{"nobody", Target{}, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := fmt.Sprintf(`{"n":%d,"html":"<b>"}`, i)
			if got := ts.hub.Send(tt.target, []byte(data)); got != len(tt.want) {
				t.Errorf("got %d deliveries, want %d", got, len(tt.want))
			}
			// A marker to every connection proves who got the message:
			// it must arrive first at those who did not.
			ts.hub.Send(Target{All: true}, []byte(`"marker"`))
			for _, c := range []*wsConn{a1, a2, b1} {
				got := recv(t, c)
				ch, wanted := tt.want[c]
				if !wanted {
					if got["data"] != "marker" {
						t.Errorf("got %v, want only the marker", got)
					}
					continue
				}
				want := fmt.Sprintf("map[channel:%s data:map[html:<b> n:%d] from:<nil> type:message]", ch, i)
				if fmt.Sprint(got) != want {
					t.Errorf("got %v, want %v", got, want)
				}
				recv(t, c) // the marker
			}
		})
	}

	if got := ts.hub.Send(Target{All: true}, []byte(`{bad`)); got != 0 {
		t.Errorf("got %d deliveries of invalid JSON, want 0", got)
	}
}

func TestEncodeMessageKeepsData(t *testing.T) {
	user := "ann"
	tests := []struct {
		ch   string
		from *string
		data string
		want string
	}{
		{"a", &user, `{"x":"<&>"}`, `{"type":"message","channel":"a","from":"ann","data":{"x":"<&>"}}`},
		{"a", nil, `null`, `{"type":"message","channel":"a","from":null,"data":null}`},
		{"", nil, ` [1, 2] `, `{"type":"message","channel":null,"from":null,"data":[1,2]}`},
		{"q\"", nil, `"é"`, `{"type":"message","channel":"q\"","from":null,"data":"é"}`},
	}
	for _, tt := range tests {
		got, err := encodeMessage(tt.ch, tt.from, []byte(tt.data))
		if err != nil || string(got) != tt.want {
			t.Errorf("encodeMessage(%q, %s): got %s, %v; want %s", tt.ch, tt.data, got, err, tt.want)
		}
	}
}
