package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress draws a one-line bar of finished trials on a terminal. On
// anything else (a file, a pipe, a test) it draws nothing, so reports
// stay clean. Safe for concurrent use.
type progress struct {
	w     io.Writer // nil: draw nothing
	total int
	start time.Time

	// mu guards done, label and stopped.
	mu      sync.Mutex
	done    int
	label   string
	stopped bool
}

// newProgress returns a bar for total steps, drawing on w only when w is
// a terminal. It redraws twice a second (for the elapsed time) until
// finish.
func newProgress(w io.Writer, total int) *progress {
	p := &progress{total: total, start: time.Now()}
	if isTerminal(w) {
		p.w = w
		go p.tick()
	}
	return p
}

// isTerminal reports whether w is a character device such as a tty.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// step marks the previous step finished and starts one named label.
func (p *progress) step(label string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.label != "" {
		p.done++
	}
	p.label = label
	p.drawLocked()
}

// finish clears the line and stops redrawing.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	if p.w != nil {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// tick redraws until finish, so the elapsed time moves on long trials.
func (p *progress) tick() {
	for {
		time.Sleep(500 * time.Millisecond)
		p.mu.Lock()
		stopped := p.stopped
		if !stopped {
			p.drawLocked()
		}
		p.mu.Unlock()
		if stopped {
			return
		}
	}
}

// drawLocked writes the bar; p.mu must be held.
func (p *progress) drawLocked() {
	if p.w == nil || p.stopped {
		return
	}
	fmt.Fprintf(p.w, "\r\033[K%s", progressLine(p.done, p.total, p.label, time.Since(p.start)))
}

// progressLine renders "[#####.....] 5/10 label 12s".
func progressLine(done, total int, label string, elapsed time.Duration) string {
	const width = 20
	filled := 0
	if total > 0 {
		filled = min(width, done*width/total)
	}
	bar := strings.Repeat("#", filled) + strings.Repeat(".", width-filled)
	return fmt.Sprintf("[%s] %d/%d %s %s", bar, done, total, label, elapsed.Round(time.Second))
}
