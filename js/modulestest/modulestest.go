package modulestest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/internal/compiler"
	"github.com/stampede-load/stampede/js/internal/vu"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

// Runtime is a test VU: a sobek runtime with its event loop, the console,
// timers, `require` of registered modules, and metrics plumbing.
type Runtime struct {
	t  testing.TB
	vu *vu.VU

	// Registry and BuiltinMetrics are the test run's metrics.
	Registry       *metrics.Registry
	BuiltinMetrics *metrics.BuiltinMetrics
	// InitEnv is the init environment the VU exposes until MoveToVUContext;
	// tests may change its fields before running init code.
	InitEnv *modules.InitEnvironment
	// Logger is the VU's logger; its entries are captured (see Logs).
	Logger *logrus.Logger
	// Test is the TestController of states made by NewState.
	Test *TestController
	// Execution is the ExecutionInfo of states made by NewState.
	Execution *ExecutionInfo

	helpers []sobek.Value
	logs    *logtest.Hook
	cancel  context.CancelFunc
	mu      sync.Mutex
	samples []metrics.Sample
}

// Option configures New.
type Option func(*settings)

type settings struct {
	ctx     context.Context
	fs      fs.FS
	env     map[string]string
	options *config.Options
	secrets modules.Secrets
}

// WithContext makes ctx the parent of the VU's context.
func WithContext(ctx context.Context) Option { return func(s *settings) { s.ctx = ctx } }

// WithFS sets InitEnv.FS (what open() and file-reading modules see).
func WithFS(fsys fs.FS) Option { return func(s *settings) { s.fs = fsys } }

// WithEnv sets InitEnv.Env (__ENV).
func WithEnv(env map[string]string) Option { return func(s *settings) { s.env = env } }

// WithSecrets sets InitEnv.Secrets (what k6/secrets reads).
func WithSecrets(s modules.Secrets) Option { return func(st *settings) { st.secrets = s } }

// WithOptions sets the options InitEnv and NewState expose.
func WithOptions(o *config.Options) Option { return func(s *settings) { s.options = o } }

// New returns a Runtime in the init context. Its context is cancelled when
// the test ends.
func New(t testing.TB, opts ...Option) *Runtime {
	t.Helper()
	s := settings{ctx: context.Background(), env: map[string]string{}, options: &config.Options{}}
	for _, o := range opts {
		o(&s)
	}
	ctx, cancel := context.WithCancel(s.ctx)
	t.Cleanup(cancel)

	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	reg := metrics.NewRegistry()
	r := &Runtime{
		t:              t,
		Registry:       reg,
		BuiltinMetrics: metrics.RegisterBuiltins(reg),
		Logger:         logger,
		Test:           &TestController{},
		Execution:      &ExecutionInfo{},
		logs:           hook,
		cancel:         cancel,
	}
	r.vu = vu.New(ctx, logger)
	r.InitEnv = &modules.InitEnvironment{
		Logger:         logger,
		FS:             s.fs,
		CWD:            &url.URL{Scheme: "file", Path: "/"},
		Registry:       reg,
		BuiltinMetrics: r.BuiltinMetrics,
		Env:            s.env,
		Options:        s.options,
		Secrets:        s.secrets,
	}
	r.vu.SetInitEnv(r.InitEnv)
	rt := r.vu.Runtime()
	must(t, rt.Set("require", r.require))
	env := rt.NewObject()
	for k, v := range s.env {
		must(t, env.Set(k, v))
	}
	must(t, rt.Set("__ENV", env))
	return r
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// VU returns the test VU as modules see it.
func (r *Runtime) VU() modules.VU { return r.vu }

// Sobek returns the VU's JavaScript runtime.
func (r *Runtime) Sobek() *sobek.Runtime { return r.vu.Runtime() }

// SetContext replaces the VU's context (what VU.Context returns).
func (r *Runtime) SetContext(ctx context.Context) { r.vu.SetContext(ctx) }

// CancelContext cancels the VU's context made by New, as the engine does
// when a VU must stop.
func (r *Runtime) CancelContext() { r.cancel() }

// MoveToVUContext ends the init context: VU.InitEnv becomes nil and VU.State
// returns state (build one with NewState and adjust it first if needed).
func (r *Runtime) MoveToVUContext(state *modules.State) { r.vu.MoveToVUContext(state) }

// NewState returns a complete VU state: the Runtime's logger, options,
// metrics and a sample buffer feeding Samples, empty tags, k6's default
// system tags, VU ids 1 and the `default` scenario of the per-vu-iterations
// executor. As in the runner, Transport, Dialer and CookieJar are nil:
// k6/http builds a VU's HTTP parts on its first request.
func (r *Runtime) NewState() *modules.State {
	sys := make(map[string]bool, len(vu.DefaultSystemTags))
	for _, k := range vu.DefaultSystemTags {
		sys[k] = true
	}
	opts := r.InitEnv.Options
	if opts == nil {
		opts = &config.Options{}
	}
	return &modules.State{
		Logger:         r.Logger,
		Options:        opts,
		Registry:       r.Registry,
		BuiltinMetrics: r.BuiltinMetrics,
		Samples:        metrics.NewBuffer(metrics.IngesterFunc(r.ingest), 0),
		Tags:           metrics.NewTagsAndMeta(nil),
		SystemTags:     sys,
		VUID:           1,
		VUIDGlobal:     1,
		Scenario: &modules.ScenarioState{
			Name:      "default",
			Executor:  "per-vu-iterations",
			StartTime: time.Now(),
			Progress:  func() float64 { return 0 },
		},
		Execution: r.Execution,
		Test:      r.Test,
	}
}

func (r *Runtime) ingest(batch []metrics.Sample) {
	r.mu.Lock()
	r.samples = append(r.samples, batch...)
	r.mu.Unlock()
}

// Samples flushes the VU state's sample buffer and returns every sample
// ingested so far, in order.
func (r *Runtime) Samples() []metrics.Sample {
	if st := r.vu.State(); st != nil && st.Samples != nil {
		st.Samples.Flush()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]metrics.Sample(nil), r.samples...)
}

// Ingested returns the samples ingested so far without flushing the VU's
// buffer first: what the metrics engine would have seen.
func (r *Runtime) Ingested() []metrics.Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]metrics.Sample(nil), r.samples...)
}

// SamplesOf returns Samples of the metric called name.
func (r *Runtime) SamplesOf(name string) []metrics.Sample {
	var out []metrics.Sample
	for _, s := range r.Samples() {
		if s.Metric != nil && s.Metric.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// ResetSamples forgets the samples ingested so far.
func (r *Runtime) ResetSamples() {
	r.Samples()
	r.mu.Lock()
	r.samples = nil
	r.mu.Unlock()
}

// Logs returns every log entry written through the VU's logger so far
// (console output included, with the field source=console).
func (r *Runtime) Logs() []*logrus.Entry { return r.logs.AllEntries() }

// Require returns the VU's namespace object of the registered module name
// (what `require(name)` returns in a script).
func (r *Runtime) Require(name string) (*sobek.Object, error) { return r.vu.RequireBuiltin(name) }

func (r *Runtime) require(name string) *sobek.Object {
	ns, err := r.vu.RequireBuiltin(name)
	if err != nil {
		panic(r.Sobek().NewGoError(err))
	}
	return ns
}

// RunOnEventLoop runs fn on the VU's event loop and then every callback it
// caused, until the loop is idle.
func (r *Runtime) RunOnEventLoop(fn func() error) error {
	loop := r.vu.EventLoop()
	if err := loop.Start(fn); err != nil {
		loop.WaitOnRegistered()
		return err
	}
	return nil
}

// RunScript runs src and the event loop to completion. A plain script's
// result is its completion value (the value of the last expression
// statement). A snippet using ES module syntax (import/export) or TypeScript
// types is transformed by esbuild and run as a module; its result is the
// module's exports object. A Promise result is unwrapped: its fulfilled value
// is returned, a rejection is an error, and a promise still pending once the
// event loop is idle is an error.
func (r *Runtime) RunScript(src string) (sobek.Value, error) {
	var result sobek.Value
	err := r.RunOnEventLoop(func() error {
		v, err := r.run(src)
		result = v
		vu.HandlePromise(r.Sobek(), v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return settle(result)
}

// RunModule is RunScript for ES-module or TypeScript source (TypeScript when
// name ends in .ts), named name in stacks (default file:///test.js). It
// returns the module's exports.
func (r *Runtime) RunModule(name, src string) (sobek.Value, error) {
	if name == "" {
		name = "file:///test.js"
	}
	var result sobek.Value
	err := r.RunOnEventLoop(func() error {
		v, err := r.runModule(name, src)
		result = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

func settle(v sobek.Value) (sobek.Value, error) {
	if v == nil {
		return v, nil
	}
	p, ok := v.Export().(*sobek.Promise)
	if !ok {
		return v, nil
	}
	switch p.State() {
	case sobek.PromiseStateFulfilled:
		return p.Result(), nil
	case sobek.PromiseStateRejected:
		return nil, &PromiseRejectedError{Reason: p.Result()}
	default:
		return nil, errors.New("the promise is still pending although the event loop is idle")
	}
}

// PromiseRejectedError is RunScript's error when the script's promise rejected.
type PromiseRejectedError struct {
	Reason sobek.Value
}

// Error describes the rejection reason (its stack for an Error).
func (e *PromiseRejectedError) Error() string {
	if o, ok := e.Reason.(*sobek.Object); ok {
		if st := o.Get("stack"); st != nil && !sobek.IsUndefined(st) {
			return "promise rejected: " + st.String()
		}
	}
	return fmt.Sprintf("promise rejected: %v", e.Reason)
}

func (r *Runtime) run(src string) (sobek.Value, error) {
	prg, err := sobek.Compile("file:///test.js", src, false)
	if err != nil {
		// Not a plain script: ES module syntax or TypeScript.
		return r.runModule("file:///test.ts", src)
	}
	return r.Sobek().RunProgram(prg)
}

func (r *Runtime) runModule(name, src string) (sobek.Value, error) {
	prg, err := compiler.Compile(name, src, compiler.LoaderFor(name))
	if err != nil {
		return nil, err
	}
	rt := r.Sobek()
	fnv, err := rt.RunProgram(prg)
	if err != nil {
		return nil, err
	}
	fn, _ := sobek.AssertFunction(fnv)
	module := rt.NewObject()
	exports := rt.NewObject()
	if err := module.Set("exports", exports); err != nil {
		return nil, err
	}
	if r.helpers == nil {
		if r.helpers, err = compiler.HelperValues(rt); err != nil {
			return nil, err
		}
	}
	args := append([]sobek.Value{module, exports, rt.ToValue(r.require), sobek.Undefined(),
		rt.ToValue(name), sobek.Undefined()}, r.helpers...)
	if _, err := fn(sobek.Undefined(), args...); err != nil {
		return nil, err
	}
	return module.Get("exports"), nil
}

// TestController records exec.test.abort() and fail() calls.
type TestController struct {
	mu                        sync.Mutex
	aborted, failed           bool
	abortReason, failedReason string
}

var _ modules.TestController = (*TestController)(nil)

// Abort records an abort.
func (c *TestController) Abort(reason string) {
	c.mu.Lock()
	c.aborted, c.abortReason = true, reason
	c.mu.Unlock()
}

// Fail records a failure.
func (c *TestController) Fail(reason string) {
	c.mu.Lock()
	c.failed, c.failedReason = true, reason
	c.mu.Unlock()
}

// Aborted reports whether Abort was called, and its reason.
func (c *TestController) Aborted() (bool, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.aborted, c.abortReason
}

// Failed reports whether Fail was called, and its reason.
func (c *TestController) Failed() (bool, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed, c.failedReason
}

// ExecutionInfo is a settable modules.ExecutionInfo; its fields are read atomically.
type ExecutionInfo struct {
	Active, Initialized, Completed, Interrupted atomic.Int64
	Duration                                    atomic.Int64 // nanoseconds
}

var _ modules.ExecutionInfo = (*ExecutionInfo)(nil)

// VUsActive returns Active.
func (e *ExecutionInfo) VUsActive() int64 { return e.Active.Load() }

// VUsInitialized returns Initialized.
func (e *ExecutionInfo) VUsInitialized() int64 { return e.Initialized.Load() }

// IterationsCompleted returns Completed.
func (e *ExecutionInfo) IterationsCompleted() int64 { return e.Completed.Load() }

// IterationsInterrupted returns Interrupted.
func (e *ExecutionInfo) IterationsInterrupted() int64 { return e.Interrupted.Load() }

// CurrentTestRunDuration returns Duration.
func (e *ExecutionInfo) CurrentTestRunDuration() time.Duration {
	return time.Duration(e.Duration.Load())
}
