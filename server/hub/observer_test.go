package hub

import (
	"fmt"
	"sort"
	"sync"

	"github.com/coder/websocket"
)

// recorder is an Observer that keeps counts per event.
type recorder struct {
	mu     sync.Mutex
	counts map[string]int
}

func newRecorder() *recorder { return &recorder{counts: make(map[string]int)} }

func (r *recorder) add(key string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts[key] += n
}

func (r *recorder) get(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[key]
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := make([]string, 0, len(r.counts))
	for k := range r.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for _, k := range keys {
		s += fmt.Sprintf("%s=%d ", k, r.counts[k])
	}
	return s
}

func (r *recorder) Opened(ep string) { r.add("opened "+ep, 1) }
func (r *recorder) Closed(ep string, code websocket.StatusCode) {
	r.add(fmt.Sprintf("closed %s %d", ep, int(code)), 1)
}
func (r *recorder) MessageIn(ep string)         { r.add("in "+ep, 1) }
func (r *recorder) MessageOut(ep string, n int) { r.add("out "+ep, n) }
func (r *recorder) Violation(ep, reason string) { r.add("violation "+reason, 1) }
func (r *recorder) SlowConsumer(ep string)      { r.add("slow "+ep, 1) }
