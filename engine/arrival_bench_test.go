package engine

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stampede-load/stampede/metrics"
)

// Starts come from the scenario clock: 200/s for 5s starts exactly 1000
// iterations, the last one 4.995s after the start (no accumulated drift).
func TestArrivalRateDoesNotDrift(t *testing.T) {
	t.Parallel()
	checkNoDrift(t, "5s", 1000)
}

// The acceptance run: 200/s for 60s starts 12,000 iterations (within 0.5%).
// It takes a minute, so it runs only with STAMPEDE_LONG_TESTS=1.
func TestArrivalRateDoesNotDrift60s(t *testing.T) {
	if os.Getenv("STAMPEDE_LONG_TESTS") == "" {
		t.Skip("set STAMPEDE_LONG_TESTS=1 to run the 60 s drift test")
	}
	t.Parallel()
	checkNoDrift(t, "60s", 12000)
}

func checkNoDrift(t *testing.T, duration string, want int64) {
	r := &testRunner{sleep: time.Millisecond}
	h := newHarness(t, r, `{"scenarios": {"car": {"executor": "constant-arrival-rate", "rate": 200, "timeUnit": "1s",
		"duration": "`+duration+`", "preAllocatedVUs": 100}}}`)
	h.timeout = 2 * time.Minute
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	recs := r.records()
	got := int64(len(recs))
	if dropped := int64(h.sink.sum("dropped_iterations")); got+dropped != want {
		t.Errorf("started %d + dropped %d != %d planned", got, dropped, want)
	}
	if diff := float64(got-want) / float64(want); diff > 0.005 || diff < -0.005 {
		t.Errorf("started %d iterations, want %d within 0.5%% (dropped %v)", got, want, h.sink.sum("dropped_iterations"))
	}
	start := time.Unix(0, h.eng.execs[0].base().startedAt.Load())
	var last time.Time
	for _, rec := range recs {
		if rec.Start.After(last) {
			last = rec.Start
		}
	}
	wantLast := time.Duration(want-1) * 5 * time.Millisecond
	if d := last.Sub(start) - wantLast; d < 0 || d > 20*time.Millisecond {
		t.Errorf("last start at %s, want %s (drift %s)", last.Sub(start), wantLast, d)
	}
}

// BenchmarkArrivalRateLateness runs 2,000 iterations/s for 2 s per op and
// reports how late iterations start against their schedule (p50, p99, max
// in microseconds) and the process's CPU time during the runs, in
// milliseconds per second of run (10 = 1% of a core; it includes the test
// runner's iterations and the metric samples, not only the scheduler).
// Goal: p99 < 2 ms.
func BenchmarkArrivalRateLateness(b *testing.B) {
	t := &testing.T{}
	var all []time.Duration
	var cpu, wall time.Duration
	cpuOK := true
	for i := 0; i < b.N; i++ {
		r := &testRunner{sleep: 200 * time.Microsecond}
		h := newHarness(t, r, `{"scenarios": {"car": {"executor": "constant-arrival-rate", "rate": 2000, "timeUnit": "1s",
			"duration": "2s", "preAllocatedVUs": 50}}}`)
		cpu0, ok0 := processCPU()
		wall0 := time.Now()
		if err := h.eng.Run(b.Context()); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(wall0)
		cpu1, ok1 := processCPU()
		cpu += cpu1 - cpu0
		cpuOK = cpuOK && ok0 && ok1
		start := time.Unix(0, h.eng.execs[0].base().startedAt.Load())
		all = append(all, lateness(r.records(), start, constantSchedule{perUnit: 2000, unit: time.Second, dur: 2 * time.Second})...)
		if d := h.sink.sum("dropped_iterations"); d > 0 {
			b.Logf("dropped %v", d)
		}
	}
	sortDurations(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) }
	b.ReportMetric(pct(0.5), "p50-late-µs")
	b.ReportMetric(pct(0.99), "p99-late-µs")
	b.ReportMetric(pct(1), "max-late-µs")
	if cpuOK && wall > 0 {
		b.ReportMetric(float64(cpu.Milliseconds())/wall.Seconds(), "cpu-ms/s")
	}
}

// noopRunner is a Runner whose iterations return at once, to measure the
// engine's own cost per iteration.
type noopRunner struct{ testRunner }

type noopVU struct{ id uint64 }

func (v *noopVU) ID() uint64 { return v.id }
func (v *noopVU) Activate(p *VUActivationParams) ActiveVU {
	go func() {
		<-p.RunContext.Done()
		p.DeactivateCallback(v)
	}()
	return noopActive{}
}

type noopActive struct{}

func (noopActive) RunOnce() error { return nil }

func (r *noopRunner) NewVU(_ context.Context, id, _ uint64, _ metrics.Ingester) (InitializedVU, error) {
	return &noopVU{id: id}, nil
}

// BenchmarkArrivalRateHandoff: b.N iterations started by one
// constant-arrival-rate scenario over 1 s; allocs/op is the engine's
// allocation per iteration (the scheduler hands iterations to idle VUs over
// a channel, by value).
func BenchmarkArrivalRateHandoff(b *testing.B) {
	r := &noopRunner{}
	h := newHarness(&testing.T{}, r, fmt.Sprintf(`{"scenarios": {"car": {"executor": "constant-arrival-rate", "rate": %d,
		"timeUnit": "1s", "duration": "1s", "preAllocatedVUs": 8}}}`, max(b.N, 1)))
	b.ReportAllocs()
	b.ResetTimer()
	if err := h.eng.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(h.eng.IterationsCompleted())/float64(max(b.N, 1)), "started/planned")
}
