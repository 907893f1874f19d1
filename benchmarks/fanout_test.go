package benchmarks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/wsgate/wsgate/server/hub"
)

// Fan-out: one publisher, fanoutSubscribers subscribers in one channel,
// all over loopback in this process. One op is one published message;
// the figures that matter are deliveries/s and allocs/delivery, wsgate's
// hub beside a bare coder/websocket broadcast loop.
const (
	fanoutSubscribers = 1000
	// fanoutWindow bounds the messages in flight (published, not yet
	// delivered to everyone), well under the hub's send queue, so that
	// the benchmark measures throughput and never trips the slow-consumer
	// close.
	fanoutWindow = 32
)

// fanoutData is the published data: a chat line of about 100 bytes.
var fanoutData = `"` + strings.Repeat("benchmark message ", 5) + `"`

func BenchmarkFanout(b *testing.B) {
	b.Run("baseline=bare-broadcast", func(b *testing.B) {
		runFanout(b, newBareBroadcast(b))
	})
	b.Run("baseline=bare-writer-per-conn", func(b *testing.B) {
		runFanout(b, newWriterPerConnBroadcast(b))
	})
	b.Run("wsgate-hub", func(b *testing.B) {
		runFanout(b, newHubBroadcast(b))
	})
}

// fanoutServer is one broadcast implementation under test.
type fanoutServer struct {
	url   string // subscribers dial url+"?role=sub", the publisher "?role=pub"
	frame []byte // what the publisher sends for one message
	// want is the size of a delivered message, to check the work is real.
	want int
	// subscribed returns how many subscribers the server has registered.
	subscribed func() int
}

// runFanout connects the subscribers and the publisher, then publishes
// b.N messages with at most fanoutWindow in flight.
func runFanout(b *testing.B, srv fanoutServer) {
	var delivered atomic.Int64
	tokens := make(chan struct{}, fanoutWindow)
	subs := dialSubscribers(b, srv, &delivered, tokens)
	pub := dialFanout(b, srv.url+"?role=pub")
	defer pub.CloseNow()
	go discardFanout(pub)

	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		<-tokens
		if err := pub.Write(ctx, websocket.MessageText, srv.frame); err != nil {
			b.Fatalf("publish: %v", err)
		}
	}
	for range fanoutWindow { // every message delivered
		<-tokens
	}
	elapsed := time.Since(start)
	b.StopTimer()
	runtime.ReadMemStats(&after)

	n := float64(b.N) * fanoutSubscribers
	if got := delivered.Load(); got != int64(n) {
		b.Fatalf("got %d deliveries, want %.0f", got, n)
	}
	b.ReportMetric(n/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/delivery")
	for _, c := range subs {
		c.CloseNow()
	}
}

// dialSubscribers connects the subscribers, each with a reader counting
// deliveries; every fanoutSubscribers deliveries return one token to the
// publisher: one message's worth delivered.
func dialSubscribers(b *testing.B, srv fanoutServer, delivered *atomic.Int64, tokens chan struct{}) []*websocket.Conn {
	subs := make([]*websocket.Conn, fanoutSubscribers)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16) // dial a few at a time
	for i := range subs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			subs[i] = dialFanout(b, srv.url+"?role=sub")
		})
	}
	wg.Wait()
	for _, c := range subs {
		go readFanout(b, c, srv.want, delivered, tokens)
	}
	for range fanoutWindow {
		tokens <- struct{}{}
	}

	// A dial returns before the server has registered the connection.
	deadline := time.Now().Add(time.Minute)
	for srv.subscribed() < fanoutSubscribers {
		if time.Now().After(deadline) {
			b.Fatalf("got %d subscribers registered, want %d", srv.subscribed(), fanoutSubscribers)
		}
		time.Sleep(time.Millisecond)
	}
	return subs
}

func readFanout(b *testing.B, c *websocket.Conn, want int, delivered *atomic.Int64, tokens chan<- struct{}) {
	buf := make([]byte, 4096)
	ctx := context.Background()
	for {
		_, r, err := c.Reader(ctx)
		if err != nil {
			return
		}
		n, err := io.ReadFull(r, buf[:want+1])
		if err != io.ErrUnexpectedEOF || n != want {
			b.Errorf("got a %d-byte message (%v), want %d bytes", n, err, want)
			return
		}
		if delivered.Add(1)%fanoutSubscribers == 0 {
			tokens <- struct{}{}
		}
	}
}

// discardFanout reads and drops what the publisher gets back: the hub
// delivers a publish to the sender too.
func discardFanout(c *websocket.Conn) {
	for {
		if _, _, err := c.Read(context.Background()); err != nil {
			return
		}
	}
}

func dialFanout(b *testing.B, url string) *websocket.Conn {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		b.Fatalf("dial: %v", err)
	}
	return c
}

// newHubBroadcast serves a channels endpoint of wsgate's hub, without
// message rate limits; every connection joins channel "bench".
func newHubBroadcast(b *testing.B) fanoutServer {
	h := hub.New(nil)
	ep := &hub.Endpoint{
		Path:            "/ws",
		Handler:         hub.HandlerChannels,
		MaxMessageBytes: 4096,
		ChannelPattern:  regexp.MustCompile(`^[a-z]+$`),
		AllowedHandlers: []string{"publish"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		h.Serve(context.WithoutCancel(r.Context()), c, ep, hub.Meta{Channel: "bench", IP: "127.0.0.1"})
	}))
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		h.Shutdown(ctx, 0)
		srv.Close()
	})
	want := fmt.Sprintf(`{"type":"message","channel":"bench","from":null,"data":%s}`, fanoutData)
	return fanoutServer{
		url:        "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws",
		frame:      []byte(`{"handler":"publish","data":` + fanoutData + `}`),
		want:       len(want),
		subscribed: func() int { return h.Count(ep.Path) },
	}
}

// newBareBroadcast is the baseline: the least a coder/websocket server
// can do, writing each message the publisher sends to every subscriber
// in turn from the publisher's goroutine.
func newBareBroadcast(b *testing.B) fanoutServer {
	var mu sync.Mutex
	var subs []*websocket.Conn
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		if r.URL.Query().Get("role") == "sub" {
			mu.Lock()
			subs = append(subs, c)
			mu.Unlock()
			<-c.CloseRead(context.Background()).Done()
			return
		}
		ctx := context.Background()
		for {
			_, p, err := c.Read(ctx)
			if err != nil {
				return
			}
			mu.Lock()
			for _, s := range subs {
				s.Write(ctx, websocket.MessageText, p)
			}
			mu.Unlock()
		}
	}))
	b.Cleanup(srv.Close)
	return bareFanoutServer(srv, func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(subs)
	})
}

// bareFanoutServer describes a baseline server for the benchmark. A
// baseline forwards the publisher's frame as it is, so the publisher sends
// what the hub would deliver: the same bytes on the wire to every
// subscriber. subscribed counts the subscribers the server holds.
func bareFanoutServer(srv *httptest.Server, subscribed func() int) fanoutServer {
	frame := fmt.Sprintf(`{"type":"message","channel":"bench","from":null,"data":%s}`, fanoutData)
	return fanoutServer{
		url:        "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws",
		frame:      []byte(frame),
		want:       len(frame),
		subscribed: subscribed,
	}
}

// newWriterPerConnBroadcast is the second baseline, the same design as
// the hub without any of its rules: a goroutine and a queue per
// subscriber, the publisher's goroutine handing each message to every
// queue. It shows what the hub's checks and bookkeeping cost over the
// design itself.
func newWriterPerConnBroadcast(b *testing.B) fanoutServer {
	var mu sync.Mutex
	var queues []chan []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		if r.URL.Query().Get("role") == "sub" {
			q := make(chan []byte, 128)
			mu.Lock()
			queues = append(queues, q)
			mu.Unlock()
			done := c.CloseRead(ctx)
			for {
				select {
				case p := <-q:
					c.Write(ctx, websocket.MessageText, p)
				case <-done.Done():
					return
				}
			}
		}
		for {
			_, p, err := c.Read(ctx)
			if err != nil {
				return
			}
			mu.Lock()
			for _, q := range queues {
				q <- p
			}
			mu.Unlock()
		}
	}))
	b.Cleanup(srv.Close)
	return bareFanoutServer(srv, func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(queues)
	})
}
