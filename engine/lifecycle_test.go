package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/config"
)

// fakeThresholds is a ThresholdEvaluator with scripted answers.
type fakeThresholds struct {
	mu          sync.Mutex
	calls       int
	finalCalled bool
	crossed     []string
	abortAfter  int // abort on this (non-final) call; 0 = never
}

func (f *fakeThresholds) Evaluate(final bool) ([]string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if final {
		f.finalCalled = true
		return f.crossed, false
	}
	f.calls++
	if f.abortAfter > 0 && f.calls >= f.abortAfter {
		return f.crossed, true
	}
	return nil, false
}

func TestLifecycleErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		runner       *testRunner
		options      string
		thresholds   *fakeThresholds
		during       func(e *Engine) // called once the scenarios run
		want         error
		wantMsg      string
		wantTeardown bool
		maxDuration  time.Duration
	}{
		{
			name:   "ok",
			runner: &testRunner{}, options: `{}`, wantTeardown: true,
		},
		{
			name:    "setup timeout",
			runner:  &testRunner{setup: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
			options: `{"setupTimeout": "200ms"}`, want: ErrSetupTimeout,
			wantMsg: "setup() execution timed out after 200ms (setupTimeout)",
		},
		{
			name:    "setup ignoring its context still times out",
			runner:  &testRunner{setup: func(ctx context.Context) error { time.Sleep(1500 * time.Millisecond); return nil }},
			options: `{"setupTimeout": "100ms"}`, want: ErrSetupTimeout, maxDuration: 1400 * time.Millisecond,
		},
		{
			name:    "setup exception",
			runner:  &testRunner{setup: func(context.Context) error { return errBoom }},
			options: `{}`, want: ErrScriptException, wantMsg: "setup() failed: Error: boom",
		},
		{
			name:    "teardown timeout",
			runner:  &testRunner{teardown: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
			options: `{"teardownTimeout": "150ms"}`, want: ErrTeardownTimeout, wantTeardown: true,
			wantMsg: "teardown() execution timed out after 150ms (teardownTimeout)",
		},
		{
			name:    "teardown exception",
			runner:  &testRunner{teardown: func(context.Context) error { return errBoom }},
			options: `{}`, want: ErrScriptException, wantTeardown: true,
		},
		{
			name:    "no setup, no teardown",
			runner:  &testRunner{setup: func(context.Context) error { return errBoom }, teardown: func(context.Context) error { return errBoom }},
			options: `{"noSetup": true, "noTeardown": true}`,
		},
		{
			name:    "init exception",
			runner:  &testRunner{init: func(id uint64) error { return fmt.Errorf("SyntaxError: bad at script.js:1:2") }},
			options: `{"vus": 3, "iterations": 3}`, want: ErrScriptException,
			wantMsg: "initialising VU #",
		},
		{
			name: "test.abort() from an iteration: teardown runs",
			runner: &testRunner{iter: func(ctx context.Context, it iterRecord) error {
				if it.InInstance == 3 {
					return fmt.Errorf("%w: enough", ErrScriptAborted)
				}
				return sleepCtx(ctx, 10*time.Millisecond)
			}},
			options: `{"vus": 2, "duration": "10s"}`, want: ErrScriptAborted, wantTeardown: true,
			maxDuration: 2 * time.Second,
		},
		{
			name:    "TestController.Abort interrupts iterations",
			runner:  &testRunner{sleep: 5 * time.Second},
			options: `{"vus": 2, "duration": "10s"}`,
			during:  func(e *Engine) { e.Abort("stop now") },
			want:    ErrScriptAborted, wantMsg: "test aborted: stop now", wantTeardown: true,
			maxDuration: 2 * time.Second,
		},
		{
			name:    "TestController.Fail: run continues",
			runner:  &testRunner{sleep: 10 * time.Millisecond},
			options: `{"vus": 1, "duration": "1s"}`,
			during:  func(e *Engine) { e.Fail("bad data"); e.Fail("") },
			want:    ErrMarkedFailed, wantMsg: "test run was marked as failed: bad data", wantTeardown: true,
		},
		{
			name:    "graceful Stop: iterations finish, teardown runs",
			runner:  &testRunner{sleep: 300 * time.Millisecond},
			options: `{"vus": 2, "duration": "20s"}`,
			during:  func(e *Engine) { e.Stop(ErrExternalAbort) },
			want:    ErrExternalAbort, wantTeardown: true, maxDuration: 2 * time.Second,
		},
		{
			name: "Go panic in an iteration",
			runner: &testRunner{iter: func(ctx context.Context, it iterRecord) error {
				var m map[string]int
				m["x"]++ // nil map write
				return nil
			}},
			options: `{"vus": 1, "iterations": 1}`, want: ErrGoPanic, wantTeardown: true,
			wantMsg: "Go panic: assignment to entry in nil map",
		},
		{
			name:       "thresholds crossed at the end",
			runner:     &testRunner{},
			options:    `{}`,
			thresholds: &fakeThresholds{crossed: []string{"http_req_duration", "checks"}},
			want:       ErrThresholdsCrossed, wantTeardown: true,
			wantMsg: "thresholds on metrics 'http_req_duration, checks' have been crossed",
		},
		{
			name:       "abortOnFail stops the run",
			runner:     &testRunner{sleep: 20 * time.Millisecond},
			options:    `{"vus": 1, "duration": "10s"}`,
			thresholds: &fakeThresholds{crossed: []string{"errors"}, abortAfter: 2},
			want:       ErrThresholdsCrossed, wantTeardown: true, maxDuration: 2 * time.Second,
			wantMsg: "thresholds on metrics 'errors' were crossed; at least one has abortOnFail enabled, stopping test prematurely",
		},
		{
			name: "abort beats fail and thresholds",
			runner: &testRunner{iter: func(ctx context.Context, it iterRecord) error {
				return fmt.Errorf("%w: x", ErrScriptAborted)
			}},
			options:    `{}`,
			thresholds: &fakeThresholds{crossed: []string{"x"}},
			during:     func(e *Engine) { e.Fail("f") },
			want:       ErrScriptAborted, wantTeardown: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var extra []func(*Params)
			if tt.thresholds != nil {
				extra = append(extra, func(p *Params) { p.Thresholds = tt.thresholds })
			}
			h := newHarness(t, tt.runner, tt.options, extra...)
			if tt.during != nil {
				go func() {
					for h.eng.VUsActive() == 0 {
						time.Sleep(5 * time.Millisecond)
					}
					time.Sleep(50 * time.Millisecond)
					tt.during(h.eng)
				}()
			}
			start := time.Now()
			err := h.run()
			if el := time.Since(start); tt.maxDuration > 0 && el > tt.maxDuration {
				t.Errorf("run took %s, want at most %s", el, tt.maxDuration)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
			} else if !errors.Is(err, tt.want) {
				t.Fatalf("Run error = %v, want %v", err, tt.want)
			}
			if tt.wantMsg != "" && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
			if got := tt.runner.teardownRan.Load(); got != tt.wantTeardown {
				t.Errorf("teardown ran = %v, want %v", got, tt.wantTeardown)
			}
			if tt.thresholds != nil && !tt.thresholds.finalCalled {
				t.Error("final threshold evaluation not called")
			}
		})
	}
}

// A graceful stop lets running iterations finish (gracefulStop 30s) and
// starts no new ones.
func TestStopIsGraceful(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 400 * time.Millisecond}
	h := newHarness(t, r, `{"vus": 3, "duration": "1m"}`)
	go func() {
		time.Sleep(200 * time.Millisecond)
		h.eng.Stop(ErrExternalAbort)
		h.eng.Stop(errors.New("second reason is ignored"))
	}()
	err := h.run()
	if !errors.Is(err, ErrExternalAbort) {
		t.Fatalf("err = %v", err)
	}
	if got := h.eng.IterationsCompleted(); got != 3 {
		t.Errorf("completed %d, want the 3 running iterations", got)
	}
	if got := h.eng.IterationsInterrupted(); got != 0 {
		t.Errorf("interrupted %d", got)
	}
}

func TestStopBeforeStartTime(t *testing.T) {
	t.Parallel()
	r := &testRunner{}
	h := newHarness(t, r, `{"scenarios": {"late": {"executor": "per-vu-iterations", "startTime": "10s"}}}`)
	go func() {
		time.Sleep(100 * time.Millisecond)
		h.eng.Stop(ErrExternalAbort)
	}()
	start := time.Now()
	if err := h.run(); !errors.Is(err, ErrExternalAbort) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > time.Second || len(r.records()) != 0 {
		t.Errorf("scenario ran or waited: %d iterations in %s", len(r.records()), time.Since(start))
	}
}

// Iteration exceptions are logged with the scenario, rate-limited, and the
// VU goes on.
func TestIterationErrorsAreLoggedRateLimited(t *testing.T) {
	t.Parallel()
	r := &testRunner{iter: func(ctx context.Context, it iterRecord) error { return errBoom }}
	h := newHarness(t, r, `{"vus": 2, "iterations": 200}`)
	if err := h.run(); err != nil {
		t.Fatalf("exceptions must not fail the run: %v", err)
	}
	if len(r.records()) != 200 {
		t.Errorf("%d iterations ran", len(r.records()))
	}
	errs := h.logs.messages(logrus.ErrorLevel)
	if len(errs) < 1 || len(errs) > errLogBurst+2 {
		t.Errorf("%d error lines logged", len(errs))
	}
	e := h.logs.find("Error: boom")
	if e == nil || e.Data["scenario"] != "default" || e.Data["executor"] != "shared-iterations" || e.Data["source"] != "stacktrace" {
		t.Fatalf("log entry %+v", e)
	}
	if !strings.Contains(e.Message, "at default (file:///script.js:3:9(4))") {
		t.Errorf("stack missing: %q", e.Message)
	}
	if w := h.logs.find("more iteration errors were not logged"); w == nil {
		t.Error("no suppressed-count warning")
	}
	if h.eng.IterationsInterrupted() != 200 {
		t.Errorf("interrupted %d", h.eng.IterationsInterrupted())
	}
}

func TestExecMustBeExported(t *testing.T) {
	opts, _, _ := config.DecodeOptions([]byte(`{"scenarios": {"a": {"executor": "per-vu-iterations", "exec": "nope"}, "b": {"executor": "per-vu-iterations"}}}`))
	c, err := config.Consolidate(opts, config.Config{}, config.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := &testRunner{exports: []string{"other"}}
	_, err = New(Params{Runner: r, Options: c.Options, Scenarios: c.Scenarios, Ingester: &sampleSink{}, Builtin: newBuiltins()})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("err = %v", err)
	}
	want := `option "scenarios.a.exec": invalid value "nope": function 'nope' not found in exports: the script must export it` + "\n" +
		`option "scenarios.b": invalid value "default": function 'default' not found in exports: the script must export it`
	if err.Error() != want {
		t.Errorf("\n got %s\nwant %s", err, want)
	}
}

func TestExecutionInfo(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []int64
	)
	var h *harness
	r := &testRunner{iter: func(ctx context.Context, it iterRecord) error {
		mu.Lock()
		seen = append(seen, h.eng.VUsActive(), h.eng.VUsInitialized())
		mu.Unlock()
		if h.eng.CurrentTestRunDuration() <= 0 {
			return errors.New("no test run duration")
		}
		return sleepCtx(ctx, 10*time.Millisecond)
	}}
	h = newHarness(t, r, `{"vus": 2, "iterations": 4}`)
	if h.eng.VUsInitialized() != 0 || h.eng.CurrentTestRunDuration() != 0 {
		t.Error("values before the run")
	}
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 0; i < len(seen); i += 2 {
		if seen[i] < 1 || seen[i] > 2 || seen[i+1] != 2 {
			t.Errorf("active %d initialised %d", seen[i], seen[i+1])
		}
	}
	if h.eng.IterationsCompleted() != 4 || h.eng.VUsActive() != 0 {
		t.Errorf("completed %d, active after run %d", h.eng.IterationsCompleted(), h.eng.VUsActive())
	}
	if r.cfg.Execution == nil || r.cfg.Test == nil || len(r.cfg.Options.Scenarios) != 1 {
		t.Errorf("runner config %+v", r.cfg)
	}
}

// The Runner's VU initialisation runs in parallel.
func TestInitIsParallel(t *testing.T) {
	t.Parallel()
	var cur, peak atomic.Int64
	r := &testRunner{init: func(uint64) error {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		cur.Add(-1)
		return nil
	}}
	h := newHarness(t, r, `{"vus": 8, "iterations": 8}`)
	if err := h.eng.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	if peak.Load() < 2 {
		t.Errorf("peak concurrent inits %d", peak.Load())
	}
	if r.newVUs.Load() != 8 {
		t.Errorf("%d VUs", r.newVUs.Load())
	}
}

// InitHook brackets the VUs' initialisation: called before the first VU,
// its done function after the last, also when a VU's init fails.
func TestInitHookBracketsInit(t *testing.T) {
	t.Parallel()
	for _, fail := range []bool{false, true} {
		var calls, dones, inits atomic.Int64
		var initsAtDone atomic.Int64
		r := &testRunner{init: func(id uint64) error {
			if calls.Load() != 1 || dones.Load() != 0 {
				t.Errorf("VU %d initialised outside the hook (calls %d, dones %d)", id, calls.Load(), dones.Load())
			}
			inits.Add(1)
			if fail && id == 3 {
				return errors.New("boom")
			}
			return nil
		}}
		h := newHarness(t, r, `{"vus": 6, "iterations": 6}`, func(p *Params) {
			p.InitHook = func() func() {
				calls.Add(1)
				return func() { dones.Add(1); initsAtDone.Store(inits.Load()) }
			}
		})
		err := h.eng.Init(context.Background())
		if (err != nil) != fail {
			t.Fatalf("fail=%v: Init error %v", fail, err)
		}
		if calls.Load() != 1 || dones.Load() != 1 {
			t.Errorf("fail=%v: hook called %d times, done %d times; want 1 and 1", fail, calls.Load(), dones.Load())
		}
		if initsAtDone.Load() != inits.Load() {
			t.Errorf("fail=%v: done ran after %d of %d inits", fail, initsAtDone.Load(), inits.Load())
		}
	}
}

// A stop while VUs initialise ends the run without setup or teardown.
func TestStopDuringInit(t *testing.T) {
	t.Parallel()
	r := &testRunner{initDelay: 200 * time.Millisecond}
	h := newHarness(t, r, `{"vus": 20, "iterations": 20}`)
	go func() {
		time.Sleep(100 * time.Millisecond)
		h.eng.Stop(ErrExternalAbort)
	}()
	start := time.Now()
	if err := h.run(); !errors.Is(err, ErrExternalAbort) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("init was not cut short: %s", time.Since(start))
	}
	if r.setupRan.Load() || r.teardownRan.Load() || len(r.records()) != 0 {
		t.Error("setup, teardown or iterations ran")
	}
}

// vus_max is first emitted once every planned VU is initialised.
func TestGaugesStartAfterInit(t *testing.T) {
	t.Parallel()
	r := &testRunner{initDelay: 10 * time.Millisecond}
	h := newHarness(t, r, `{"vus": 6, "iterations": 6}`)
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	maxes := h.sink.byName("vus_max")
	if len(maxes) < 2 || maxes[0].Value != 6 {
		t.Errorf("vus_max samples %v", maxes)
	}
	for _, s := range maxes {
		if s.Tags.Len() != 0 {
			t.Errorf("vus_max tags %v", s.Tags)
		}
	}
}
