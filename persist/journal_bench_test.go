package persist

import (
	"context"
	"fmt"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

// benchAttempt is a typical attempt: the strings are the caller's own, so
// enqueueing copies headers only.
var benchAttempt = Attempt{
	At:       time.UnixMilli(1_790_000_000_000),
	Endpoint: "/ws/chat",
	IP:       netip.MustParseAddr("203.0.113.7"),
	User:     "alice",
	Success:  false,
	Reason:   "rate_limited_ip",
}

// benchMix is a varied stream of attempts: 65536 IPs and 1024 users, so
// that the database sees realistic key spreads rather than one hot row.
var benchMix = func() []Attempt {
	mix := make([]Attempt, 1<<16)
	for i := range mix {
		a := benchAttempt
		a.IP = netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), byte(i * 7)})
		a.User = fmt.Sprintf("user%d", i%1024)
		a.At = a.At.Add(time.Duration(i) * time.Millisecond)
		mix[i] = a
	}
	return mix
}()

// BenchmarkEnqueue measures the caller's cost of journaling one attempt,
// beside a bare buffered channel send of the same Attempt struct. The
// queues are emptied between rounds with the timer stopped, so the figures
// are the send alone: no database, no receiver competing for the CPU, and
// no drop path (which would be cheaper than a send).
func BenchmarkEnqueue(b *testing.B) {
	const round = 65536
	b.Run("journal", func(b *testing.B) {
		j := &Journal{queue: make(chan entry, round)}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if i%round == 0 {
				b.StopTimer()
				emptyQueue(j.queue)
				b.StartTimer()
			}
			j.Attempt(benchAttempt)
		}
		b.ReportMetric(float64(j.Dropped()), "dropped")
	})
	b.Run("bare-channel", func(b *testing.B) {
		q := make(chan Attempt, round)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if i%round == 0 {
				b.StopTimer()
				emptyQueue(q)
				b.StartTimer()
			}
			select {
			case q <- benchAttempt:
			default:
			}
		}
	})
}

// emptyQueue receives everything waiting in q.
func emptyQueue[T any](q chan T) {
	for len(q) > 0 {
		<-q
	}
}

// BenchmarkJournalWrite measures sustained journal throughput into a real
// database file with default options: "max" keeps the queue from
// overflowing and reports the writer's capacity; "paced" offers a fixed
// rate and reports drops; "direct-insert" is the baseline without a
// journal, one autocommitted INSERT per attempt.
func BenchmarkJournalWrite(b *testing.B) {
	b.Run("journal-max", func(b *testing.B) {
		db := openTest(b)
		j := NewJournal(db, nil)
		b.ReportAllocs()
		b.ResetTimer()
		start, cpu0 := time.Now(), cpuTime()
		for i := 0; i < b.N; i++ {
			for j.QueueDepth() >= 65536-1 {
				// Sleep rather than yield: on two cores a spinning
				// producer takes the writer's CPU.
				time.Sleep(100 * time.Microsecond)
			}
			j.Attempt(benchMix[i%len(benchMix)])
		}
		if err := j.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		report(b, j, start)
		reportCPU(b, b.N, cpu0)
	})
	for _, rate := range []int{200_000, 300_000} {
		b.Run(fmt.Sprintf("journal-paced-%dk", rate/1000), func(b *testing.B) {
			db := openTest(b)
			j := NewJournal(db, nil)
			b.ResetTimer()
			start := time.Now()
			i := 0
			paced(b.N, rate, func() { j.Attempt(benchMix[i%len(benchMix)]); i++ })
			if err := j.Close(context.Background()); err != nil {
				b.Fatal(err)
			}
			report(b, j, start)
		})
	}
	b.Run("direct-insert", func(b *testing.B) {
		db := openTest(b)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		start, cpu0 := time.Now(), cpuTime()
		for i := 0; i < b.N; i++ {
			a := benchMix[i%len(benchMix)]
			_, err := db.sql.ExecContext(ctx, insertAttemptSQL,
				a.At.UnixMilli(), a.Endpoint, a.IP.String(), a.User, a.Success, a.Reason)
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
		reportCPU(b, b.N, cpu0)
	})
}

// paced calls fn n times at about rate calls a second, checking the clock
// every 64 calls and sleeping when ahead.
func paced(n, rate int, fn func()) {
	start := time.Now()
	for i := 0; i < n; i++ {
		if i%64 == 0 {
			due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		}
		fn()
	}
}

// report publishes the rows written per second, counting the final flush,
// and the drops.
func report(b *testing.B, j *Journal, start time.Time) {
	b.ReportMetric(float64(j.Written())/time.Since(start).Seconds(), "rows/s")
	b.ReportMetric(float64(j.Dropped()), "dropped")
}

// cpuTime returns the CPU time the process has used, user and system: on
// a machine shared with other work, CPU per row is steadier than rows/s.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU publishes the process CPU time spent per row since cpu0.
func reportCPU(b *testing.B, rows int, cpu0 time.Duration) {
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Microsecond)/float64(rows), "cpu-µs/row")
}
