package gctune

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const MiB = 1 << 20
	tests := []struct {
		name string
		live uint64
		c    Config
		want int
	}{
		{name: "nothing live yet", live: 0, want: 400},
		{name: "small heap gets the maximum", live: 10 * MiB, want: 400},
		{name: "64 MiB is where the maximum ends", live: 64 * MiB, want: 400},
		{name: "in between keeps 256 MiB of headroom", live: 128 * MiB, want: 200},
		{name: "256 MiB keeps Go's default", live: 256 * MiB, want: 100},
		{name: "past 366 MiB the minimum", live: 400 * MiB, want: DefaultMin},
		{name: "big heap never goes below the minimum", live: 3 << 30, want: DefaultMin},
		{name: "custom bounds", live: 3 << 30, c: Config{Headroom: 512 * MiB, Min: 25, Max: 800}, want: 25},
		{name: "custom headroom", live: 100 * MiB, c: Config{Headroom: 50 * MiB, Min: 10}, want: 50},
		{name: "max below min is raised", live: 1 * MiB, c: Config{Min: 500, Max: 200}, want: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percent(tt.live, tt.c); got != tt.want {
				t.Errorf("Percent(%d MiB) = %d, want %d", tt.live/MiB, got, tt.want)
			}
		})
	}
}

// Start sets GOGC from this test binary's (small) live heap and restores
// the previous value on stop. Not parallel: GOGC is process-wide.
func TestStartAndStop(t *testing.T) {
	t.Setenv("GOGC", "") // make sure the variable is unset below
	t.Run("tunes and restores", func(t *testing.T) {
		unsetGOGC(t)
		prev := debug.SetGCPercent(77)
		defer debug.SetGCPercent(prev)
		stop := Start(context.Background(), Config{Interval: time.Millisecond})
		time.Sleep(5 * time.Millisecond)
		if got := debug.SetGCPercent(400); got != 400 {
			t.Errorf("GOGC while tuning = %d, want 400 for a small heap", got)
		}
		stop()
		if got := debug.SetGCPercent(77); got != 77 {
			t.Errorf("GOGC after stop = %d, want the 77 in force before", got)
		}
	})
	t.Run("GOGC set by the user wins", func(t *testing.T) {
		userGOGCWins(t, func() func() { return Start(context.Background(), Config{}) })
	})
	t.Run("ends with its context", func(t *testing.T) {
		unsetGOGC(t)
		ctx, cancel := context.WithCancel(context.Background())
		stop := Start(ctx, Config{Interval: time.Millisecond})
		cancel()
		stop() // returns although the context ended first
	})
}

func TestSuspend(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Run("off with a limit, then restored", func(t *testing.T) {
		unsetGOGC(t)
		prev := debug.SetGCPercent(77)
		defer debug.SetGCPercent(prev)
		prevLimit := debug.SetMemoryLimit(-1)
		resume := Suspend()
		// A tuner started (or ticking) while suspended leaves GC off.
		stop := Start(context.Background(), Config{Interval: time.Millisecond})
		for range 3 {
			if got := debug.SetGCPercent(-1); got != -1 {
				t.Fatalf("GOGC while suspended = %d, want -1 (off)", got)
			}
			time.Sleep(2 * time.Millisecond)
		}
		if limit := debug.SetMemoryLimit(-1); limit <= 0 || limit > safetyLimit() {
			t.Errorf("memory limit while suspended = %d, want (0, %d]", limit, safetyLimit())
		}
		resume()
		resume() // a second call does nothing
		if limit := debug.SetMemoryLimit(-1); limit != prevLimit {
			t.Errorf("memory limit after resume = %d, want %d", limit, prevLimit)
		}
		// The tuner applies its value again on its next tick.
		deadline := time.Now().Add(5 * time.Second)
		for gogc() != 400 {
			if time.Now().After(deadline) {
				t.Fatal("the tuner did not set GOGC=400 after resume")
			}
			time.Sleep(time.Millisecond)
		}
		stop()
		if got := debug.SetGCPercent(77); got != 77 {
			t.Errorf("GOGC after stop = %d, want the 77 in force before the suspension", got)
		}
	})
	t.Run("GOGC set by the user wins", func(t *testing.T) {
		userGOGCWins(t, Suspend)
	})
}

func TestSafetyLimit(t *testing.T) {
	if l := safetyLimit(); l < 1<<20 {
		t.Fatalf("safetyLimit() = %d, want at least 1 MiB", l)
	}
}

// gogc reads GOGC without changing it.
func gogc() int64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// userGOGCWins checks that with GOGC set in the environment, start (and
// the function it returns) leave the user's GOGC alone.
func userGOGCWins(t *testing.T, start func() (undo func())) {
	t.Helper()
	t.Setenv("GOGC", "150")
	prev := debug.SetGCPercent(150)
	defer debug.SetGCPercent(prev)
	undo := start()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("GOGC = %d, want the user's 150 untouched", got)
	}
	undo()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("GOGC after undo = %d, want the user's 150 untouched", got)
	}
}
