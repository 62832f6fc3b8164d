package engine

import (
	"context"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/config"
)

func TestSharedIterations(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 5 * time.Millisecond}
	h := newHarness(t, r, `{"scenarios": {"s": {"executor": "shared-iterations", "vus": 3, "iterations": 20,
		"env": {"A": "1"}, "tags": {"t": "v"}}}}`)
	if got := h.eng.PlannedVUs(); got != 3 {
		t.Fatalf("PlannedVUs = %d, want 3", got)
	}
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	recs := r.records()
	if got := inTests(recs, "s"); !isRange(got, 20) {
		t.Errorf("iterationInTest = %v, want 0..19", got)
	}
	vus := map[uint64]bool{}
	for _, rec := range recs {
		vus[rec.VU] = true
		if rec.Env["A"] != "1" || rec.Tags["t"] != "v" || rec.Exec != "default" {
			t.Fatalf("activation params: %+v", rec)
		}
	}
	if len(vus) != 3 || r.newVUs.Load() != 3 {
		t.Errorf("VUs used %d, initialised %d; want 3", len(vus), r.newVUs.Load())
	}
	if h.sink.sum("dropped_iterations") != 0 {
		t.Error("dropped iterations")
	}
	if got := h.eng.IterationsCompleted(); got != 20 {
		t.Errorf("IterationsCompleted = %d", got)
	}
	if p := h.eng.Progress()[0]; p.Fraction != 1 || !p.Finished || p.Iterations != 20 || p.Detail != "20/20 shared iters" {
		t.Errorf("progress %+v", p)
	}
	if h.sink.max("vus_max") != 3 {
		t.Errorf("vus_max %v", h.sink.max("vus_max"))
	}
	if last := h.sink.byName("vus"); len(last) == 0 || last[len(last)-1].Value != 0 {
		t.Errorf("last vus sample should be 0: %v", last)
	}
}

// Iterations not started at maxDuration are dropped; gracefulStop 0
// interrupts the running one.
func TestSharedIterationsMaxDuration(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 300 * time.Millisecond}
	h := newHarness(t, r, `{"scenarios": {"s": {"executor": "shared-iterations", "vus": 1, "iterations": 100,
		"maxDuration": "1s", "gracefulStop": "0s"}}}`)
	start := time.Now()
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("run took %s", el)
	}
	started := int64(len(r.records()))
	if started < 3 || started > 5 {
		t.Errorf("started %d iterations in 1s of 300ms each", started)
	}
	if got := h.sink.sum("dropped_iterations"); got != float64(100-started) {
		t.Errorf("dropped_iterations = %v, want %d", got, 100-started)
	}
	if h.eng.IterationsInterrupted() != 1 {
		t.Errorf("interrupted = %d, want 1", h.eng.IterationsInterrupted())
	}
	for _, s := range h.sink.byName("dropped_iterations") {
		if v, _ := s.Tags.Get("scenario"); v != "s" {
			t.Errorf("dropped_iterations tags %v", s.Tags)
		}
	}
}

func TestPerVUIterations(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 2 * time.Millisecond}
	h := newHarness(t, r, `{"scenarios": {"p": {"executor": "per-vu-iterations", "vus": 4, "iterations": 5}}}`)
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	perVU := map[uint64]int{}
	for _, rec := range r.records() {
		perVU[rec.VU]++
	}
	if len(perVU) != 4 {
		t.Fatalf("VUs: %v", perVU)
	}
	for vu, n := range perVU {
		if n != 5 {
			t.Errorf("VU %d ran %d iterations", vu, n)
		}
	}
	if got := inTests(r.records(), "p"); !isRange(got, 20) {
		t.Errorf("iterationInTest %v", got)
	}
}

func TestConstantVUs(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 100 * time.Millisecond}
	h := newHarness(t, r, `{"vus": 2, "duration": "1s"}`)
	start := time.Now()
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	n := len(r.records())
	if n < 14 || n > 22 {
		t.Errorf("%d iterations, want about 20", n)
	}
	if el < time.Second || el > 1500*time.Millisecond {
		t.Errorf("took %s", el)
	}
	if h.eng.IterationsInterrupted() != 0 {
		t.Errorf("gracefulStop 30s should let iterations finish; interrupted %d", h.eng.IterationsInterrupted())
	}
}

func TestGracefulStop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		gracefulStop     string
		wantInterrupted  int64
		minDur, maxDur   time.Duration
		wantCompletedMin int64
	}{
		{"cut at once", "0s", 1, time.Second, 1300 * time.Millisecond, 1},
		{"let it finish", "1s", 0, 1350 * time.Millisecond, 1800 * time.Millisecond, 2},
		{"partly", "100ms", 1, 1050 * time.Millisecond, 1400 * time.Millisecond, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &testRunner{sleep: 700 * time.Millisecond}
			h := newHarness(t, r, `{"scenarios": {"c": {"executor": "constant-vus", "vus": 1, "duration": "1s", "gracefulStop": "`+tt.gracefulStop+`"}}}`)
			start := time.Now()
			if err := h.run(); err != nil {
				t.Fatal(err)
			}
			el := time.Since(start)
			if el < tt.minDur || el > tt.maxDur {
				t.Errorf("took %s, want %s..%s", el, tt.minDur, tt.maxDur)
			}
			if got := h.eng.IterationsInterrupted(); got != tt.wantInterrupted {
				t.Errorf("interrupted %d, want %d", got, tt.wantInterrupted)
			}
			if got := h.eng.IterationsCompleted(); got < tt.wantCompletedMin {
				t.Errorf("completed %d", got)
			}
		})
	}
}

func TestRampSteps(t *testing.T) {
	st := func(d string, target int64) config.Stage {
		dd, _ := config.ParseDuration(d)
		return config.Stage{Duration: config.Duration(dd), Target: target}
	}
	got := rampSteps(1, []config.Stage{st("4s", 5), st("0s", 2), st("2s", 2), st("2s", 0)})
	want := []vuStep{
		{0, 1}, {time.Second, 2}, {2 * time.Second, 3}, {3 * time.Second, 4}, {4 * time.Second, 5},
		{4 * time.Second, 2}, {7 * time.Second, 1}, {8 * time.Second, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d = %v, want %v", i, got[i], want[i])
		}
	}
	// The same time keeps the last value; unchanged counts are dropped.
	full, _ := (&config.Options{}).ExecutionTuple()
	scaled := scaleSteps(got, full)
	if len(scaled) != 7 || scaled[4] != (vuStep{4 * time.Second, 2}) {
		t.Errorf("scaled %v", scaled)
	}
	seg, seq := "0:1/2", "0,1/2,1"
	half, _ := (&config.Options{ExecutionSegment: &seg, ExecutionSegmentSequence: &seq}).ExecutionTuple()
	// Half of 1..5 VUs: 1,1,2,2,3 then 2->1, 1->1, 0->0.
	hs := scaleSteps(got, half)
	wantHalf := []vuStep{{0, 1}, {2 * time.Second, 2}, {4 * time.Second, 1}, {8 * time.Second, 0}}
	if len(hs) != len(wantHalf) {
		t.Fatalf("half %v, want %v", hs, wantHalf)
	}
	for i := range wantHalf {
		if hs[i] != wantHalf[i] {
			t.Errorf("half step %d = %v, want %v", i, hs[i], wantHalf[i])
		}
	}
}

// ramping-vus follows its stages: VU counts sampled during the run.
func TestRampingVUs(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 20 * time.Millisecond}
	h := newHarness(t, r, `{"scenarios": {"r": {"executor": "ramping-vus", "startVUs": 0, "gracefulRampDown": "0s",
		"stages": [{"duration": "1s", "target": 4}, {"duration": "500ms", "target": 4}, {"duration": "1s", "target": 0}]}}}`)
	if h.eng.PlannedVUs() != 4 {
		t.Fatalf("planned %d", h.eng.PlannedVUs())
	}
	type obs struct {
		at  time.Duration
		vus int64
	}
	var (
		mu      sync.Mutex
		samples []obs
	)
	start := time.Now()
	stop := make(chan struct{})
	go func() {
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				mu.Lock()
				samples = append(samples, obs{time.Since(start), h.eng.VUsActive()})
				mu.Unlock()
			case <-stop:
				return
			}
		}
	}()
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	mu.Lock()
	defer mu.Unlock()
	// Expected: 0 before 250ms, then a VU per 250ms up to 4 at 1s, 4 until
	// 1.5s, one fewer per 250ms down to 0 at 2.5s. Allow 60ms of slack.
	expect := func(at time.Duration) (lo, hi int64) {
		f := func(t time.Duration) int64 {
			switch {
			case t < time.Second:
				return int64(t / (250 * time.Millisecond))
			case t < 1500*time.Millisecond:
				return 4
			case t < 2500*time.Millisecond:
				return 4 - int64((t-1500*time.Millisecond)/(250*time.Millisecond))
			}
			return 0
		}
		a, b := f(at-60*time.Millisecond), f(at+60*time.Millisecond)
		if a > b {
			a, b = b, a
		}
		return a, b
	}
	bad := 0
	for _, s := range samples {
		if lo, hi := expect(s.at); s.vus < lo || s.vus > hi {
			bad++
			if bad < 5 {
				t.Errorf("at %s: %d VUs, want %d..%d", s.at, s.vus, lo, hi)
			}
		}
	}
	if len(samples) < 100 {
		t.Errorf("only %d samples", len(samples))
	}
}

// A VU ramped down gets gracefulRampDown to finish its iteration.
func TestRampingVUsGracefulRampDown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		rampDown        string
		wantInterrupted int64
	}{
		{"interrupted", "100ms", 1},
		{"finishes", "2s", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Both VUs start a 600ms iteration at 0; at 200ms the target
			// drops to 1, so the second VU's iteration has gracefulRampDown
			// to finish. The first VU's iteration runs to its end.
			var (
				once  sync.Once
				first time.Time
			)
			r := &testRunner{iter: func(ctx context.Context, it iterRecord) error {
				once.Do(func() { first = it.Start })
				if it.Start.Sub(first) < 100*time.Millisecond {
					return sleepCtx(ctx, 600*time.Millisecond)
				}
				return sleepCtx(ctx, 50*time.Millisecond)
			}}
			h := newHarness(t, r, `{"scenarios": {"r": {"executor": "ramping-vus", "startVUs": 2, "gracefulRampDown": "`+tt.rampDown+`",
				"stages": [{"duration": "200ms", "target": 2}, {"duration": "0s", "target": 1}, {"duration": "1s", "target": 1}]}}}`)
			if err := h.run(); err != nil {
				t.Fatal(err)
			}
			if got := h.eng.IterationsInterrupted(); got != tt.wantInterrupted {
				t.Errorf("interrupted %d, want %d", got, tt.wantInterrupted)
			}
		})
	}
}

func TestConstantSchedule(t *testing.T) {
	tests := []struct {
		rate      int64
		unit, dur time.Duration
		total     int64
		at3       time.Duration
	}{
		{200, time.Second, 60 * time.Second, 12000, 15 * time.Millisecond},
		{3, 2 * time.Second, time.Second, 2, 2 * time.Second},
		{1, time.Minute, time.Hour, 60, 3 * time.Minute},
		{7, time.Second, time.Second, 7, 428571428},
	}
	for _, tt := range tests {
		c := constantSchedule{perUnit: tt.rate, unit: tt.unit, dur: tt.dur}
		if got := c.total(); got != tt.total {
			t.Errorf("%+v total = %d, want %d", tt, got, tt.total)
		}
		if got := c.at(3); got != tt.at3 {
			t.Errorf("%+v at(3) = %s, want %s", tt, got, tt.at3)
		}
		if last := c.at(c.total() - 1); last >= tt.dur {
			t.Errorf("%+v last start %s not before the end", tt, last)
		}
	}
}

func TestRampSchedule(t *testing.T) {
	st := func(d time.Duration, target int64) config.Stage {
		return config.Stage{Duration: config.Duration(d), Target: target}
	}
	// From 0 to 1/s over 6s: the area reaches 1, 2, 3 at sqrt(12), sqrt(24), 6 s.
	s := newRampSchedule(0, time.Second, []config.Stage{st(6*time.Second, 1)})
	if s.total() != 3 {
		t.Fatalf("total %d", s.total())
	}
	for k, want := range []float64{math.Sqrt(12), math.Sqrt(24), 6} {
		if got := s.at(int64(k)).Seconds(); math.Abs(got-want) > 1e-6 {
			t.Errorf("at(%d) = %f, want %f", k, got, want)
		}
	}
	// Constant 10/s for 1s, a ramp down to 0 over 2s (area 10), a 0s jump to
	// 60/min and 1s of it (area 1): 21 iterations; rate per minute units.
	s = newRampSchedule(600, time.Minute, []config.Stage{st(time.Second, 600), st(2*time.Second, 0), st(0, 60), st(time.Second, 60)})
	if s.total() != 21 {
		t.Fatalf("total %d", s.total())
	}
	prev := time.Duration(-1)
	for k := int64(0); k < s.total(); k++ {
		at := s.at(k)
		if at <= prev {
			t.Fatalf("at(%d) = %s not after %s", k, at, prev)
		}
		prev = at
	}
	fresh := func() *rampSchedule {
		return newRampSchedule(600, time.Minute, []config.Stage{st(time.Second, 600), st(2*time.Second, 0), st(0, 60), st(time.Second, 60)})
	}
	s = fresh()
	if got := s.at(9); got != time.Second {
		t.Errorf("10th start %s, want 1s", got)
	}
	// The ramp down: area 10 over 2s; the 5th of it (k=14) is at 2 - sqrt(2*... ) solve:
	// 10t - 2.5t² = 5 -> t = 2 - sqrt(2) -> 1s + 0.5858s.
	if got := s.at(14).Seconds(); math.Abs(got-(3-math.Sqrt2)) > 1e-6 {
		t.Errorf("at(14) = %f, want %f", got, 3-math.Sqrt2)
	}
	s = fresh()
	if got := s.at(20); got != 4*time.Second {
		t.Errorf("last start %s, want 4s", got)
	}
	if r := s.rate(500 * time.Millisecond); r != 10 {
		t.Errorf("rate at 0.5s = %f", r)
	}
	if r := s.rate(2 * time.Second); math.Abs(r-5) > 1e-9 {
		t.Errorf("rate at 2s = %f", r)
	}
}

// lateness returns how late each iteration started against its schedule.
func lateness(recs []iterRecord, start time.Time, sched schedule) []time.Duration {
	out := make([]time.Duration, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.Start.Sub(start.Add(sched.at(r.InTest))))
	}
	sortDurations(out)
	return out
}

func sortDurations(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

func TestConstantArrivalRate(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: time.Millisecond}
	h := newHarness(t, r, `{"scenarios": {"car": {"executor": "constant-arrival-rate", "rate": 50, "timeUnit": "1s",
		"duration": "2s", "preAllocatedVUs": 20}}}`)
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	recs := r.records()
	if got := inTests(recs, "car"); !isRange(got, 100) {
		t.Fatalf("started %d iterations (%v), want exactly 100", len(got), got)
	}
	if h.sink.sum("dropped_iterations") != 0 {
		t.Errorf("dropped %v", h.sink.sum("dropped_iterations"))
	}
	start := time.Unix(0, h.eng.execs[0].base().startedAt.Load())
	late := lateness(recs, start, constantSchedule{perUnit: 50, unit: time.Second, dur: 2 * time.Second})
	if late[0] < -time.Millisecond {
		t.Errorf("an iteration started %s early", -late[0])
	}
	// Tolerant bound (race detector, shared CI machine): the median is late
	// by well under 10ms. The precise goal is in BenchmarkArrivalRateLateness.
	if med := late[len(late)/2]; med > 10*time.Millisecond {
		t.Errorf("median lateness %s", med)
	}
}

// Without enough VUs, iterations are dropped, VUs are added up to maxVUs and
// k6's warning is logged once.
func TestArrivalRateInsufficientVUs(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 300 * time.Millisecond, initDelay: 20 * time.Millisecond}
	h := newHarness(t, r, `{"scenarios": {"car": {"executor": "constant-arrival-rate", "rate": 40, "timeUnit": "1s",
		"duration": "1s", "preAllocatedVUs": 1, "maxVUs": 3, "gracefulStop": "0s"}}}`)
	if h.eng.PlannedVUs() != 1 {
		t.Fatalf("planned %d", h.eng.PlannedVUs())
	}
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	// Started iterations are those handed to a VU: completed or interrupted.
	// (The runner records none for an iteration handed over just as the
	// scenario's zero gracefulStop interrupts it, so its records undercount.)
	started := h.eng.IterationsCompleted() + h.eng.IterationsInterrupted()
	dropped := int64(h.sink.sum("dropped_iterations"))
	if started+dropped != 40 {
		t.Errorf("started %d + dropped %d != 40", started, dropped)
	}
	if dropped < 20 {
		t.Errorf("dropped only %d", dropped)
	}
	if got := r.newVUs.Load(); got != 3 {
		t.Errorf("initialised %d VUs, want 3 (maxVUs)", got)
	}
	if h.sink.max("vus_max") != 3 {
		t.Errorf("vus_max %v", h.sink.max("vus_max"))
	}
	var warns []string
	for _, m := range h.logs.messages(logrus.WarnLevel) {
		if strings.HasPrefix(m, "Insufficient VUs") {
			warns = append(warns, m)
		}
	}
	if len(warns) != 1 || warns[0] != "Insufficient VUs, reached 3 active VUs and cannot initialize more" {
		t.Errorf("warnings %q", warns)
	}
	if e := h.logs.find("Insufficient VUs"); e == nil || e.Data["scenario"] != "car" || e.Data["executor"] != "constant-arrival-rate" {
		t.Errorf("warning fields %v", e)
	}
}

func TestRampingArrivalRate(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: time.Millisecond}
	h := newHarness(t, r, `{"scenarios": {"rar": {"executor": "ramping-arrival-rate", "startRate": 0, "timeUnit": "1s",
		"preAllocatedVUs": 4, "stages": [{"duration": "1s", "target": 100}, {"duration": "1s", "target": 100}]}}}`)
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	recs := r.records()
	if got := inTests(recs, "rar"); !isRange(got, 150) {
		t.Fatalf("started %d, want 150", len(got))
	}
	start := time.Unix(0, h.eng.execs[0].base().startedAt.Load())
	sched := newRampSchedule(0, time.Second, []config.Stage{{Duration: config.Duration(time.Second), Target: 100}, {Duration: config.Duration(time.Second), Target: 100}})
	late := lateness(recs, start, sched)
	if med := late[len(late)/2]; med > 10*time.Millisecond || late[0] < -time.Millisecond {
		t.Errorf("median lateness %s, earliest %s", med, late[0])
	}
}

// Two scenarios one after the other share VUs; startTime is honoured.
func TestScenariosShareVUs(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 10 * time.Millisecond, exports: []string{"default", "second"}}
	h := newHarness(t, r, `{"scenarios": {
		"a": {"executor": "per-vu-iterations", "vus": 3, "iterations": 2, "gracefulStop": "0s", "maxDuration": "1s"},
		"b": {"executor": "shared-iterations", "vus": 2, "iterations": 4, "startTime": "1100ms", "exec": "second"}}}`)
	if got := h.eng.PlannedVUs(); got != 3 {
		t.Fatalf("planned %d, want 3 (a ends before b starts)", got)
	}
	start := time.Now()
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	var firstB time.Time
	for _, rec := range r.records() {
		if rec.Scenario == "b" {
			if rec.Exec != "second" {
				t.Errorf("b ran %q", rec.Exec)
			}
			if firstB.IsZero() || rec.Start.Before(firstB) {
				firstB = rec.Start
			}
		}
	}
	if d := firstB.Sub(start); d < 1100*time.Millisecond || d > 1400*time.Millisecond {
		t.Errorf("b started after %s, want 1.1s", d)
	}
	if r.newVUs.Load() != 3 {
		t.Errorf("initialised %d VUs", r.newVUs.Load())
	}
}

func TestPlannedVUsOverlap(t *testing.T) {
	r := &testRunner{}
	h := newHarness(t, r, `{"scenarios": {
		"a": {"executor": "constant-vus", "vus": 3, "duration": "2s", "gracefulStop": "1s"},
		"b": {"executor": "constant-arrival-rate", "rate": 1, "duration": "1s", "preAllocatedVUs": 4, "maxVUs": 10, "startTime": "3s"},
		"c": {"executor": "ramping-vus", "startVUs": 2, "stages": [{"duration": "1s", "target": 5}], "startTime": "2500ms"}}}`)
	// a holds 3 until 3s (b starts at 3s: counted as overlapping), b 4 until
	// 4s+30s, c 5 from 2.5s: peak 3+4+5 at 3s.
	if got := h.eng.PlannedVUs(); got != 12 {
		t.Errorf("planned %d, want 12", got)
	}
}

// Only zero-length stages: the scenario ends at once instead of running
// forever.
func TestRampingVUsZeroLength(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 10 * time.Millisecond}
	h := newHarness(t, r, `{"scenarios": {"r": {"executor": "ramping-vus", "startVUs": 0, "stages": [{"duration": "0s", "target": 3}]}}}`)
	start := time.Now()
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s", d)
	}
}
