package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/metrics"
)

// testRunner is a real, in-memory engine.Runner: its "script" is a Go
// function per iteration. It behaves like the JS runner where the engine can
// tell: an iteration ends early when its RunContext ends, DeactivateCallback
// is called once the context is done and no iteration runs, and a VU is never
// active twice at once (violations are recorded and fail the test).
type testRunner struct {
	t *testing.T
	// iter runs one iteration; nil sleeps for sleep (interruptible).
	iter  func(ctx context.Context, it iterRecord) error
	sleep time.Duration
	// exports are the exported functions (IsExecutable); nil means "default".
	exports []string
	// init, setup and teardown hooks; nil does nothing.
	init     func(id uint64) error
	setup    func(ctx context.Context) error
	teardown func(ctx context.Context) error
	// initDelay slows NewVU down (VU initialisation takes time in JS).
	initDelay time.Duration

	cfg          RunnerConfig
	newVUs       atomic.Int64
	setupRan     atomic.Bool
	teardownRan  atomic.Bool
	mu           sync.Mutex
	iterations   []iterRecord
	violations   []string
	vuIDsInTest  []uint64
	maxConcurred int64
	running      atomic.Int64
}

// iterRecord is one iteration as the runner saw it.
type iterRecord struct {
	Scenario           string
	Exec               string
	VU, VUInTest       uint64
	InInstance, InTest int64
	Start              time.Time
	Env, Tags          map[string]string
}

var _ Runner = (*testRunner)(nil)

func (r *testRunner) Options() config.Options { return config.Options{} }

func (r *testRunner) Configure(c RunnerConfig) error {
	r.cfg = c
	return nil
}

func (r *testRunner) NewVU(ctx context.Context, id, idInTest uint64, out metrics.Ingester) (InitializedVU, error) {
	if r.initDelay > 0 {
		select {
		case <-time.After(r.initDelay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if r.init != nil {
		if err := r.init(id); err != nil {
			return nil, err
		}
	}
	r.newVUs.Add(1)
	r.mu.Lock()
	r.vuIDsInTest = append(r.vuIDsInTest, idInTest)
	r.mu.Unlock()
	return &testVU{r: r, id: id, idInTest: idInTest, out: out}, nil
}

func (r *testRunner) IsExecutable(exec string) bool {
	if r.exports == nil {
		return exec == "default"
	}
	for _, e := range r.exports {
		if e == exec {
			return true
		}
	}
	return false
}

func (r *testRunner) Setup(ctx context.Context, _ metrics.Ingester) (json.RawMessage, error) {
	r.setupRan.Store(true)
	if r.setup != nil {
		return nil, r.setup(ctx)
	}
	return nil, nil
}

func (r *testRunner) Teardown(ctx context.Context, _ metrics.Ingester) error {
	r.teardownRan.Store(true)
	if r.teardown != nil {
		return r.teardown(ctx)
	}
	return nil
}

func (r *testRunner) HasHandleSummary() bool { return false }

func (r *testRunner) HandleSummary(context.Context, map[string]any) (map[string]io.Reader, error) {
	return nil, nil
}

func (r *testRunner) violation(format string, args ...any) {
	r.mu.Lock()
	r.violations = append(r.violations, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *testRunner) records() []iterRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]iterRecord(nil), r.iterations...)
}

// check fails the test on contract violations.
func (r *testRunner) check(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.violations {
		t.Error(v)
	}
}

type testVU struct {
	r        *testRunner
	id       uint64
	idInTest uint64
	out      metrics.Ingester
	active   atomic.Bool
}

func (v *testVU) ID() uint64 { return v.id }

func (v *testVU) Activate(p *VUActivationParams) ActiveVU {
	if !v.active.CompareAndSwap(false, true) {
		v.r.violation("VU %d activated while already active", v.id)
	}
	a := &testActive{vu: v, p: p}
	go func() {
		<-p.RunContext.Done()
		a.mu.Lock() // wait for the running iteration
		v.active.Store(false)
		a.mu.Unlock()
		p.DeactivateCallback(v)
	}()
	return a
}

type testActive struct {
	vu *testVU
	p  *VUActivationParams
	mu sync.Mutex
}

func (a *testActive) RunOnce() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.vu.r
	if a.p.RunContext.Err() != nil {
		return context.Canceled
	}
	n := r.running.Add(1)
	defer r.running.Add(-1)
	r.mu.Lock()
	if n > r.maxConcurred {
		r.maxConcurred = n
	}
	r.mu.Unlock()
	inInst, inTest := a.p.GetNextIterationCounters()
	it := iterRecord{
		Scenario: a.p.Scenario.Name, Exec: a.p.Exec, VU: a.vu.id, VUInTest: a.vu.idInTest,
		InInstance: inInst, InTest: inTest, Start: time.Now(), Env: a.p.Env, Tags: a.p.Tags,
	}
	r.mu.Lock()
	r.iterations = append(r.iterations, it)
	r.mu.Unlock()
	if r.iter != nil {
		return r.iter(a.p.RunContext, it)
	}
	return sleepCtx(a.p.RunContext, r.sleep)
}

// sleepCtx sleeps d or until ctx ends (then returns context.Canceled).
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Canceled
	}
}

// sampleSink collects every sample.
type sampleSink struct {
	mu      sync.Mutex
	samples []metrics.Sample
}

func (s *sampleSink) Ingest(b []metrics.Sample) {
	s.mu.Lock()
	s.samples = append(s.samples, b...)
	s.mu.Unlock()
}

func (s *sampleSink) byName(name string) []metrics.Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []metrics.Sample
	for _, x := range s.samples {
		if x.Metric.Name == name {
			out = append(out, x)
		}
	}
	return out
}

func (s *sampleSink) sum(name string) float64 {
	var t float64
	for _, x := range s.byName(name) {
		t += x.Value
	}
	return t
}

func (s *sampleSink) max(name string) float64 {
	var m float64
	for _, x := range s.byName(name) {
		if x.Value > m {
			m = x.Value
		}
	}
	return m
}

// logHook captures log entries.
type logHook struct {
	mu      sync.Mutex
	entries []*logrus.Entry
}

func (h *logHook) Levels() []logrus.Level { return logrus.AllLevels }
func (h *logHook) Fire(e *logrus.Entry) error {
	h.mu.Lock()
	h.entries = append(h.entries, e)
	h.mu.Unlock()
	return nil
}

func (h *logHook) messages(level logrus.Level) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.entries {
		if e.Level == level {
			out = append(out, e.Message)
		}
	}
	return out
}

func (h *logHook) find(substr string) *logrus.Entry {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.entries {
		if strings.Contains(e.Message, substr) {
			return e
		}
	}
	return nil
}

// harness builds an engine over a testRunner from options JSON.
type harness struct {
	t      *testing.T
	runner *testRunner
	sink   *sampleSink
	logs   *logHook
	eng    *Engine
	// timeout bounds run (default 40 s).
	timeout time.Duration
}

func newHarness(t *testing.T, runner Runner, optionsJSON string, extra ...func(*Params)) *harness {
	t.Helper()
	opts, _, err := config.DecodeOptions([]byte(optionsJSON))
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Consolidate(opts, config.Config{}, config.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, sink: &sampleSink{}, logs: &logHook{}, timeout: 40 * time.Second}
	if r, ok := runner.(*testRunner); ok {
		r.t, h.runner = t, r
	}
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	logger.AddHook(h.logs)
	p := Params{
		Runner: runner, Options: c.Options, Scenarios: c.Scenarios, Ingester: h.sink,
		Builtin: metrics.RegisterBuiltins(metrics.NewRegistry()), Logger: logger,
		GaugeInterval: 50 * time.Millisecond, ThresholdInterval: 50 * time.Millisecond,
	}
	for _, f := range extra {
		f(&p)
	}
	h.eng, err = New(p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) run() error {
	h.t.Helper()
	return h.start()()
}

// start runs the engine in the background; the returned function waits for
// Run's error (failing the test after timeout) and checks the runner.
func (h *harness) start() func() error {
	done := make(chan error, 1)
	go func() { done <- h.eng.Run(context.Background()) }()
	return func() error {
		h.t.Helper()
		select {
		case err := <-done:
			if h.runner != nil {
				h.runner.check(h.t)
			}
			return err
		case <-time.After(h.timeout):
			h.t.Fatal("run did not end")
			return nil
		}
	}
}

// inTests returns the sorted iterationInTest values of a scenario.
func inTests(recs []iterRecord, scenario string) []int64 {
	var out []int64
	for _, r := range recs {
		if r.Scenario == scenario {
			out = append(out, r.InTest)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func isRange(v []int64, n int64) bool {
	if int64(len(v)) != n {
		return false
	}
	for i, x := range v {
		if x != int64(i) {
			return false
		}
	}
	return true
}

var errBoom = errors.New("Error: boom\n\tat default (file:///script.js:3:9(4))")

func newBuiltins() *metrics.BuiltinMetrics { return metrics.RegisterBuiltins(metrics.NewRegistry()) }
