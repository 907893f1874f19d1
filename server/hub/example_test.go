package hub_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/wsgate/wsgate/server/hub"
)

// A server upgrades the request, then hands the connection to the hub
// for its whole life. Here a client publishes to its channel and, being a
// member, gets the message back.
func ExampleHub_Serve() {
	h := hub.New(nil)
	chat := &hub.Endpoint{
		Path:            "/ws/chat",
		Handler:         hub.HandlerChannels,
		ChannelPattern:  regexp.MustCompile(`^[a-z]+$`),
		AllowedHandlers: []string{"publish", "change_channel"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		h.Serve(context.WithoutCancel(r.Context()), c, chat, hub.Meta{User: "ann", Channel: "lobby"})
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws/chat", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseNow()

	c.Write(ctx, websocket.MessageText, []byte(`{"handler":"publish","data":{"text":"hello"}}`))
	_, msg, _ := c.Read(ctx)
	fmt.Println(string(msg))

	c.Close(websocket.StatusNormalClosure, "")
	h.Shutdown(ctx, 0) // waits for Serve to return
	// Output: {"type":"message","channel":"lobby","from":"ann","data":{"text":"hello"}}
}
