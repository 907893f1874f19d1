package benchmarks

import (
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/httprate"
	"github.com/sethvargo/go-limiter/memorystore"
	"golang.org/x/time/rate"

	"github.com/wsgate/wsgate/limiter"
)

// The connect-attempt limiter against its baselines, each a sibling
// sub-benchmark so that one run shows the ratios (README.md, "Limiter").
// Every contender enforces the default endpoint policy, 20 attempts in 5
// minutes, and reads the clock once per check.

var limiterPolicy = limiter.Policy{Max: 20, Window: 5 * time.Minute}

// keySet is one million distinct client keys, in the forms the
// contenders take: wsgate keys, and strings for the string-keyed
// libraries (made up front so that no contender pays for formatting).
type keySet struct {
	keys    []limiter.Key
	strings []string
}

const manyKeys = 1_000_000

var keysOnce = sync.OnceValue(func() *keySet {
	rng := rand.New(rand.NewPCG(1, 2))
	ks := &keySet{keys: make([]limiter.Key, manyKeys), strings: make([]string, manyKeys)}
	seen := make(map[[4]byte]bool, manyKeys)
	for i := 0; i < manyKeys; {
		var a [4]byte
		binary.LittleEndian.PutUint32(a[:], rng.Uint32())
		if seen[a] {
			continue
		}
		seen[a] = true
		ip := netip.AddrFrom4(a)
		ks.keys[i] = limiter.AddrKey(ip, 64)
		ks.strings[i] = ip.String()
		i++
	}
	return ks
})

// A contender checks one attempt of key i at now.
type contender struct {
	name string
	make func(ks *keySet) (check func(i int, now time.Time) bool, size func() int, stop func())
}

var contenders = []contender{
	{"wsgate", newWsgate},
	{"xrate-map", newRateMap},
	{"httprate", newHttprate},
	{"go-limiter", newGoLimiter},
}

func newWsgate(ks *keySet) (func(int, time.Time) bool, func() int, func()) {
	w := limiter.NewWindow(limiterPolicy, &limiter.Options{MaxKeys: manyKeys})
	check := func(i int, now time.Time) bool { return w.Attempt(ks.keys[i], now).Allowed }
	return check, w.Len, func() {}
}

// newRateMap is the obvious design: a map of x/time/rate token buckets
// (burst 20, refilled at 20 per 5 minutes) under one mutex, never evicted.
func newRateMap(ks *keySet) (func(int, time.Time) bool, func() int, func()) {
	var mu sync.Mutex
	m := make(map[limiter.Key]*rate.Limiter)
	every := rate.Every(limiterPolicy.Window / time.Duration(limiterPolicy.Max))
	check := func(i int, now time.Time) bool {
		mu.Lock()
		l, ok := m[ks.keys[i]]
		if !ok {
			l = rate.NewLimiter(every, limiterPolicy.Max)
			m[ks.keys[i]] = l
		}
		mu.Unlock()
		return l.AllowN(now, 1)
	}
	size := func() int { mu.Lock(); defer mu.Unlock(); return len(m) }
	return check, size, func() {}
}

// newHttprate is go-chi/httprate's local limiter without the HTTP layer:
// its LimitCounter and the sliding-window-counter estimate its
// RateLimiter.OnLimit computes, under the limiter-wide mutex OnLimit
// takes.
func newHttprate(ks *keySet) (func(int, time.Time) bool, func() int, func()) {
	win := limiterPolicy.Window
	counter := httprate.NewLocalLimitCounter(win)
	var mu sync.Mutex
	added := 0
	check := func(i int, now time.Time) bool {
		key := ks.strings[i]
		cur := now.UTC().Truncate(win)
		mu.Lock()
		defer mu.Unlock()
		curCount, prevCount, _ := counter.Get(key, cur, cur.Add(-win))
		if curCount == 0 && prevCount == 0 {
			added++
		}
		elapsed := now.Sub(cur)
		r := float64(prevCount)*(float64(win)-float64(elapsed))/float64(win) + float64(curCount)
		if int(math.Round(r))+1 > limiterPolicy.Max {
			return false
		}
		_ = counter.IncrementBy(key, cur, 1)
		return true
	}
	size := func() int { mu.Lock(); defer mu.Unlock(); return added }
	return check, size, func() {}
}

// newGoLimiter is sethvargo/go-limiter's memorystore (a token bucket per
// key under one RWMutex); it reads the clock itself.
func newGoLimiter(ks *keySet) (func(int, time.Time) bool, func() int, func()) {
	store, err := memorystore.New(&memorystore.Config{
		Tokens:   uint64(limiterPolicy.Max),
		Interval: limiterPolicy.Window,
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	var mu sync.Mutex
	seen := 0
	check := func(i int, _ time.Time) bool {
		_, remaining, _, ok, _ := store.Take(ctx, ks.strings[i])
		if remaining == uint64(limiterPolicy.Max)-1 {
			mu.Lock()
			seen++
			mu.Unlock()
		}
		return ok
	}
	size := func() int { mu.Lock(); defer mu.Unlock(); return seen }
	return check, size, func() { _ = store.Close(ctx) }
}

// BenchmarkLimiterHotKey checks one key over and over (a client
// hammering): wsgate with one scope and with both scopes of a Limiter,
// against a single x/time/rate limiter's Allow (the target: both scopes
// within 1.5x of it) and the baselines.
func BenchmarkLimiterHotKey(b *testing.B) {
	ks := keysOnce()
	b.Run("xrate-allow", func(b *testing.B) {
		l := rate.NewLimiter(rate.Every(limiterPolicy.Window/time.Duration(limiterPolicy.Max)), limiterPolicy.Max)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Allow()
			}
		})
	})
	b.Run("wsgate-both", func(b *testing.B) {
		l := limiter.New(limiterPolicy, nil)
		ip, user := ks.keys[0], limiter.UserKey("ann")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Attempt(ip, user, true, time.Now())
			}
		})
	})
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			check, _, stop := c.make(ks)
			defer stop()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					check(0, time.Now())
				}
			})
		})
	}
}

// BenchmarkLimiterRandomKeys checks keys drawn at random from one million
// (a distributed crowd): bound by cache misses. Each contender is filled
// with all the keys once, outside the timer, and kept across the
// benchmark's rounds.
func BenchmarkLimiterRandomKeys(b *testing.B) {
	ks := keysOnce()
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			check := warmContender(c, ks)
			runtime.GC() // no collection of the fill's garbage during the timing
			b.ReportAllocs()
			b.ResetTimer()
			var seed sync.Mutex
			next := uint64(0)
			b.RunParallel(func(pb *testing.PB) {
				seed.Lock()
				next++
				rng := rand.New(rand.NewPCG(next, 99))
				seed.Unlock()
				for pb.Next() {
					check(rng.IntN(manyKeys), time.Now())
				}
			})
		})
	}
}

// warmed holds each contender filled with every key, built once per run
// (filling a million keys takes about a second).
var warmed sync.Map // contender name -> func(int, time.Time) bool

func warmContender(c contender, ks *keySet) func(int, time.Time) bool {
	if check, ok := warmed.Load(c.name); ok {
		return check.(func(int, time.Time) bool)
	}
	check, _, _ := c.make(ks) // stopped at exit: the process ends with the run
	now := time.Now()
	for i := range manyKeys {
		check(i, now)
	}
	warmed.Store(c.name, check)
	return check
}

// BenchmarkLimiterMemory fills each contender with one million keys, one
// attempt each, and reports the heap growth per tracked key (B/key, from
// runtime.MemStats.HeapAlloc after a GC); ns/op is the time to add one
// key. The string-keyed baselines share the key strings made beforehand,
// so their figures leave out the strings' bytes (about 16 a key).
func BenchmarkLimiterMemory(b *testing.B) {
	ks := keysOnce()
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			before := heapAlloc()
			start := time.Now()
			check, size, stop := c.make(ks)
			now := time.Now()
			for i := range manyKeys {
				check(i, now)
			}
			took := time.Since(start)
			after := heapAlloc()
			n := size()
			b.ReportMetric(float64(after-before)/float64(n), "B/key")
			b.ReportMetric(float64(took.Nanoseconds())/manyKeys, "ns/op")
			b.ReportMetric(float64(n), "keys")
			runtime.KeepAlive(check)
			stop()
		})
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkLimiterPaired measures wsgate and one baseline in the same
// loop, alternating blocks of checks, and reports both costs and their
// ratio (wsgate/baseline; below 1 means wsgate is faster). On a shared
// machine whose load swings from one second to the next, sibling
// sub-benchmarks run seconds apart can differ by 2x for nothing; blocks
// a few microseconds apart see the same load, so the ratio holds still.
// ns/op counts one check of each.
func BenchmarkLimiterPaired(b *testing.B) {
	ks := keysOnce()
	hot := func(check func(int, time.Time) bool) func(*rand.Rand) {
		return func(*rand.Rand) { check(0, time.Now()) }
	}
	random := func(check func(int, time.Time) bool) func(*rand.Rand) {
		return func(rng *rand.Rand) { check(rng.IntN(manyKeys), time.Now()) }
	}

	b.Run("hot-both-vs-xrate-allow", func(b *testing.B) {
		l := limiter.New(limiterPolicy, nil)
		ip, user := ks.keys[0], limiter.UserKey("ann")
		allow := rate.NewLimiter(rate.Every(limiterPolicy.Window/time.Duration(limiterPolicy.Max)), limiterPolicy.Max)
		runPaired(b,
			func(*rand.Rand) { l.Attempt(ip, user, true, time.Now()) },
			func(*rand.Rand) { allow.Allow() })
	})
	for _, c := range contenders[1:] {
		b.Run("hot-ip-vs-"+c.name, func(b *testing.B) {
			ours, _, _ := newWsgate(ks)
			theirs, _, stop := c.make(ks)
			defer stop()
			runPaired(b, hot(ours), hot(theirs))
		})
	}
	for _, c := range contenders[1:] {
		b.Run("random-vs-"+c.name, func(b *testing.B) {
			runPaired(b, random(warmContender(contenders[0], ks)), random(warmContender(c, ks)))
		})
	}
}

// pairedBlock is the number of checks timed together: long enough that
// reading the clock around a block costs nothing, short enough that both
// sides of a pair see the same machine.
const pairedBlock = 128

func runPaired(b *testing.B, ours, theirs func(*rand.Rand)) {
	runtime.GC() // no collection of the set-up's garbage during the timing
	var mu sync.Mutex
	var oursTime, theirsTime time.Duration
	var oursN, theirsN int
	seed := uint64(0)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		seed++
		rng := rand.New(rand.NewPCG(seed, 7))
		mu.Unlock()
		var to, tt time.Duration
		var no, nt int
		for turn := 0; ; turn++ {
			f, spent, count := ours, &to, &no
			if turn%2 == 1 {
				f, spent, count = theirs, &tt, &nt
			}
			start := time.Now()
			n := 0
			for n < pairedBlock && pb.Next() {
				f(rng)
				n++
			}
			*spent += time.Since(start)
			*count += n
			if n < pairedBlock {
				break
			}
		}
		mu.Lock()
		oursTime, theirsTime, oursN, theirsN = oursTime+to, theirsTime+tt, oursN+no, theirsN+nt
		mu.Unlock()
	})
	if oursN == 0 || theirsN == 0 {
		return
	}
	o := float64(oursTime) / float64(oursN)
	t := float64(theirsTime) / float64(theirsN)
	b.ReportMetric(o, "wsgate-ns")
	b.ReportMetric(t, "baseline-ns")
	b.ReportMetric(o/t, "ratio")
}
