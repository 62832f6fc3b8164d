package gctune

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config bounds the tuning. Zero fields take the defaults.
type Config struct {
	// Headroom is the heap growth, in bytes, allowed between collections
	// (default 256 MiB).
	Headroom uint64
	// Min and Max bound GOGC (defaults 70 and 400).
	Min, Max int
	// Interval is how often the live heap is read (default 1 s).
	Interval time.Duration
}

// DefaultMin is the lowest GOGC Start sets by default, for big heaps: below
// Go's 100, because the engine makes little garbage per request. The
// collector's CPU is proportional to the bytes allocated divided by GOGC;
// a queue-concurrency iteration allocates 6.9 KB of the generator's where
// it allocated 13.2 (BENCHMARKS.md), so collections at 70 cost less CPU
// than they did at 100, and 10,000 VUs peak ~100 MiB lower.
const DefaultMin = 70

func (c Config) withDefaults() Config {
	if c.Headroom == 0 {
		c.Headroom = 256 << 20
	}
	if c.Min <= 0 {
		c.Min = DefaultMin
	}
	if c.Max < c.Min {
		c.Max = max(400, c.Min)
	}
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	return c
}

// Percent is the GOGC value for a live heap of live bytes: Headroom as a
// percentage of live, within [Min, Max].
func Percent(live uint64, c Config) int {
	c = c.withDefaults()
	if live == 0 {
		return c.Max
	}
	p := c.Headroom * 100 / live
	return int(min(max(p, uint64(c.Min)), uint64(c.Max)))
}

const liveHeap = "/gc/heap/live:bytes"

// Start tunes GOGC now and then every Interval until stop is called or ctx
// ends; stop restores the GOGC in force before. It does nothing when the
// GOGC environment variable is set. Safe to call once per process.
func Start(ctx context.Context, c Config) (stop func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	c = c.withDefaults()
	sample := []metrics.Sample{{Name: liveHeap}}
	current := -1
	tune := func() {
		mu.Lock()
		defer mu.Unlock()
		if suspended > 0 {
			current = -1 // apply the tuned value again once resumed
			return
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if p := Percent(sample[0].Value.Uint64(), c); p != current {
			debug.SetGCPercent(p)
			current = p
		}
	}
	mu.Lock()
	before := debug.SetGCPercent(100)
	debug.SetGCPercent(before)
	if suspended > 0 {
		before = savedPercent
	}
	mu.Unlock()
	tune()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(c.Interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				tune()
			}
		}
	}()
	return func() {
		cancel()
		<-done
		debug.SetGCPercent(before)
	}
}

// mu orders Suspend, its resume and the tuner's GOGC changes; suspended
// counts the suspensions not yet resumed (the tuner leaves GOGC alone
// while there are any).
var (
	mu           sync.Mutex
	suspended    int
	savedPercent int // GOGC before the first suspension not yet resumed
)

// Suspend turns the garbage collector off until resume is called, with a
// soft memory limit as the safety net (half the machine's memory, or a
// lower GOMEMLIMIT): past it Go collects again as usual.
//
// It is meant for initialising VUs: then the heap only grows, each VU's
// runtime staying live until the end of the test, so collections mark an
// ever larger heap and find little garbage (for 10,000 VUs of
// queue-concurrency.js, ~15–20% of the initialisation's CPU). A GOGC
// environment variable, when set, wins: Suspend then does nothing.
func Suspend() (resume func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	mu.Lock()
	defer mu.Unlock()
	prevPercent := debug.SetGCPercent(-1)
	if suspended == 0 {
		savedPercent = prevPercent
	}
	prevLimit := debug.SetMemoryLimit(-1)
	debug.SetMemoryLimit(min(prevLimit, safetyLimit()))
	suspended++
	return sync.OnceFunc(func() {
		mu.Lock()
		defer mu.Unlock()
		suspended--
		debug.SetMemoryLimit(prevLimit)
		debug.SetGCPercent(prevPercent)
	})
}

// safetyLimit is half the machine's memory (from /proc/meminfo), or 4 GiB
// where that cannot be read.
func safetyLimit() int64 {
	const fallback = 4 << 30
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return fallback
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil || kb <= 0 {
				return fallback
			}
			return kb << 10 / 2
		}
	}
	return fallback
}
