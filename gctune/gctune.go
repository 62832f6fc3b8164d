package gctune

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Config bounds the tuning. Zero fields take the defaults.
type Config struct {
	// Headroom is the heap growth, in bytes, allowed between collections
	// (default 256 MiB).
	Headroom uint64
	// Min and Max bound GOGC (defaults 100 and 400).
	Min, Max int
	// Interval is how often the live heap is read (default 1 s).
	Interval time.Duration
}

func (c Config) withDefaults() Config {
	if c.Headroom == 0 {
		c.Headroom = 256 << 20
	}
	if c.Min <= 0 {
		c.Min = 100
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
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if p := Percent(sample[0].Value.Uint64(), c); p != current {
			debug.SetGCPercent(p)
			current = p
		}
	}
	before := debug.SetGCPercent(100)
	debug.SetGCPercent(before)
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
