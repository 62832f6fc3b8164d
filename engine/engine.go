package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/engine/segment"
	"github.com/stampede-load/stampede/metrics"
)

// ThresholdEvaluator evaluates the thresholds over the samples ingested so
// far (the metrics engine implements it). The engine calls Evaluate(false)
// every ThresholdInterval during the scenarios and Evaluate(true) once at the
// end, after teardown. crossed lists the metrics (or sub-metrics) whose
// thresholds fail; abort is true when one of them has abortOnFail (and its
// delayAbortEval has passed), which stops the run. Evaluate must be safe to
// call while samples are being ingested.
type ThresholdEvaluator interface {
	Evaluate(final bool) (crossed []string, abort bool)
}

// Default intervals of the engine's periodic work.
const (
	DefaultGaugeInterval     = time.Second
	DefaultThresholdInterval = 2 * time.Second
)

// Params are what an Engine needs.
type Params struct {
	// Runner runs the script (package js). Required.
	Runner Runner
	// Options are the consolidated options (config.Consolidate). Required
	// fields: none; missing ones take k6's defaults.
	Options config.Options
	// Scenarios are the scenarios to run; nil derives them from Options with
	// config.DeriveScenarios.
	Scenarios []config.Scenario
	// Ingester receives every sample of the run: the VUs', and the engine's
	// vus, vus_max and dropped_iterations. Required.
	Ingester metrics.Ingester
	// Builtin are the built-in metrics of the run's registry. Required.
	Builtin *metrics.BuiltinMetrics
	// Thresholds evaluates the thresholds; nil means none (--no-thresholds).
	Thresholds ThresholdEvaluator
	// Logger receives the engine's messages; nil discards them.
	Logger logrus.FieldLogger

	// GaugeInterval is how often vus and vus_max are emitted (default 1 s).
	GaugeInterval time.Duration
	// ThresholdInterval is how often thresholds are evaluated (default 2 s).
	ThresholdInterval time.Duration
	// Paused starts the run paused: after init, before setup, it waits for
	// SetPaused(false) (the REST API's resume).
	Paused bool
	// InitHook, when set, is called before Init initialises the VUs, and
	// the function it returns once they are initialised (stampede run
	// suspends the garbage collector in between: gctune.Suspend).
	InitHook func() (done func())
}

// Engine runs one test: init (VUs in parallel) -> setup -> scenarios ->
// teardown -> final threshold evaluation. The summary and outputs are the
// caller's (after Run returns). An Engine runs once.
//
// Engine implements modules.ExecutionInfo and modules.TestController; the
// runner receives it through RunnerConfig.
type Engine struct {
	runner    Runner
	opts      config.Options
	scenarios []config.Scenario
	tuple     *segment.Tuple
	ingester  metrics.Ingester
	builtin   *metrics.BuiltinMetrics
	thresh    ThresholdEvaluator
	logger    logrus.FieldLogger
	initHook  func() (done func())
	runTags   *metrics.TagSet

	gaugeEvery, threshEvery time.Duration

	pool       *vuPool
	execs      []executor
	droppedBuf *metrics.Buffer
	errLog     *errorLogger

	plannedVUs  int64
	initialized atomic.Bool
	nextVUID    atomic.Int64 // VUs initialised so far (idInInstance of the last one)
	vusActive   atomic.Int64

	itersCompleted   atomic.Int64
	itersInterrupted atomic.Int64
	runStart         atomic.Int64 // unix ns when Run started setup; 0 before

	abortMu    sync.Mutex
	abortCause error              // first reason the run stopped early
	abortRunFn context.CancelFunc // cancels the scenarios' context (hard stop)
	abortedCh  chan struct{}      // closed on abort
	abortOnce  sync.Once
	stopCh     chan struct{} // closed on graceful stop
	stopOnce   sync.Once

	failMu     sync.Mutex
	failReason []string

	setupData atomic.Pointer[json.RawMessage]

	status   atomic.Int32 // ExecutionStatus
	tainted  atomic.Bool  // a threshold was crossed at the last evaluation
	pauseMu  sync.Mutex
	paused   bool
	started  bool          // past the pause before the start: pausing goes through the executors
	resumeCh chan struct{} // closed on resume while paused before the start
}

// SetupData returns what setup() returned, as JSON (nil before setup, with
// --no-setup, or when setup returned nothing). The summary passes it to
// handleSummary as setup_data.
func (e *Engine) SetupData() json.RawMessage {
	if p := e.setupData.Load(); p != nil {
		return *p
	}
	return nil
}

// New validates what the configuration alone cannot (exec functions exist),
// builds the executors and hands the runner its configuration
// (Runner.Configure). Configuration errors wrap ErrInvalidConfig.
func New(p Params) (*Engine, error) {
	if p.Runner == nil || p.Ingester == nil || p.Builtin == nil {
		return nil, errors.New("engine.New: Runner, Ingester and Builtin are required")
	}
	logger := p.Logger
	if logger == nil {
		l := logrus.New()
		l.SetOutput(discard{})
		logger = l
	}
	scs := p.Scenarios
	if scs == nil {
		var err error
		if scs, err = config.DeriveScenarios(p.Options); err != nil {
			return nil, err
		}
	}
	tuple, err := p.Options.ExecutionTuple()
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, sc := range scs {
		c := sc.Common()
		if !p.Runner.IsExecutable(c.Exec) {
			opt := "scenarios." + c.Name + ".exec"
			if c.FromShorthands() || c.Exec == config.DefaultExec {
				opt = opt[:len(opt)-len(".exec")]
			}
			errs = append(errs, &config.OptionError{
				Option: opt, Value: fmt.Sprintf("%q", c.Exec),
				Allowed: fmt.Sprintf("function '%s' not found in exports: the script must export it", c.Exec),
			})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	e := &Engine{
		runner: p.Runner, opts: p.Options, scenarios: scs, tuple: tuple,
		ingester: p.Ingester, builtin: p.Builtin, thresh: p.Thresholds, logger: logger, initHook: p.InitHook,
		runTags:    metrics.NewTagSet(p.Options.Tags),
		gaugeEvery: p.GaugeInterval, threshEvery: p.ThresholdInterval,
		pool:      newVUPool(),
		errLog:    newErrorLogger(),
		abortedCh: make(chan struct{}),
		stopCh:    make(chan struct{}),
		paused:    p.Paused,
	}
	if p.Paused {
		e.resumeCh = make(chan struct{})
	}
	if e.gaugeEvery <= 0 {
		e.gaugeEvery = DefaultGaugeInterval
	}
	if e.threshEvery <= 0 {
		e.threshEvery = DefaultThresholdInterval
	}
	e.droppedBuf = metrics.NewBuffer(p.Ingester, 0)
	for _, sc := range scs {
		e.execs = append(e.execs, newExecutor(e, sc))
	}
	e.plannedVUs = plannedVUs(e.execs)
	opts := p.Options
	opts.Scenarios = config.EncodeScenarios(scs)
	if err := p.Runner.Configure(RunnerConfig{Options: opts, Execution: e, Test: e}); err != nil {
		return nil, fmt.Errorf("configuring the script runner: %w", err)
	}
	return e, nil
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// newExecutor builds the executor of one scenario.
func newExecutor(e *Engine, sc config.Scenario) executor {
	var ex executor
	switch c := sc.(type) {
	case *config.SharedIterationsConfig:
		ex = newSharedIterations(e, c)
	case *config.PerVUIterationsConfig:
		ex = newPerVUIterations(e, c)
	case *config.ConstantVUsConfig:
		ex = newConstantVUs(e, c)
	case *config.RampingVUsConfig:
		ex = newRampingVUs(e, c)
	case *config.ConstantArrivalRateConfig:
		ex = newConstantArrivalRate(e, c)
	case *config.RampingArrivalRateConfig:
		ex = newRampingArrivalRate(e, c)
	case *config.ExternallyControlledConfig:
		ex = newExternallyControlled(e, c)
	default:
		panic(fmt.Sprintf("engine: no executor for %T", sc))
	}
	ex.base().self = ex
	return ex
}

// PlannedVUs is how many VUs Init creates: the most the run needs at once in
// this instance's segment (arrival-rate scenarios may add more mid-test, up
// to their maxVUs).
func (e *Engine) PlannedVUs() int64 { return e.plannedVUs }

// Init initialises PlannedVUs VUs in parallel, one worker per CPU. An error
// (an exception in the init context) wraps ErrScriptException unless the
// runner's error already wraps an engine sentinel. Run calls Init if it was
// not called before.
func (e *Engine) Init(ctx context.Context) error {
	if e.initialized.Swap(true) {
		return nil
	}
	n := e.plannedVUs
	if n == 0 {
		return nil
	}
	e.setStatus(StatusInitVUs)
	if e.initHook != nil {
		defer e.initHook()()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() { // a stop during init ends it
		select {
		case <-e.stopCh:
			cancel(e.cause())
		case <-ctx.Done():
		}
	}()
	var (
		wg      sync.WaitGroup
		next    atomic.Int64
		errOnce sync.Once
		first   error
	)
	workers := int64(runtime.GOMAXPROCS(0))
	if workers > n {
		workers = n
	}
	for w := int64(0); w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= n && ctx.Err() == nil {
				vu, err := e.newVU(ctx)
				if err != nil {
					errOnce.Do(func() { first = err; cancel(err) })
					return
				}
				e.pool.put(vu)
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// newVU initialises one more VU. idInTest is unique across the instances of
// a segmented run.
func (e *Engine) newVU(ctx context.Context) (vu InitializedVU, err error) {
	id := e.nextVUID.Add(1)
	idInTest := e.tuple.GlobalIndex(id-1) + 1
	defer func() {
		if p := recover(); p != nil {
			err = e.panicError(p, debug.Stack())
		}
	}()
	vu, err = e.runner.NewVU(ctx, uint64(id), uint64(idInTest), e.ingester)
	if err != nil {
		e.nextVUID.Add(-1) // keep vus_max truthful
		return nil, scriptError(fmt.Errorf("initialising VU #%d: %w", id, err))
	}
	return vu, nil
}

// scriptError wraps err with ErrScriptException unless it already wraps one
// of the engine's sentinels.
func scriptError(err error) error {
	for _, s := range []error{
		ErrThresholdsCrossed, ErrSetupTimeout, ErrTeardownTimeout, ErrTimeout, ErrInvalidConfig,
		ErrExternalAbort, ErrScriptException, ErrScriptAborted, ErrGoPanic, ErrMarkedFailed,
	} {
		if errors.Is(err, s) {
			return err
		}
	}
	return &wrapped{sentinel: ErrScriptException, err: err}
}

// wrapped is err marked with a sentinel, printing as err.
type wrapped struct {
	sentinel, err error
}

func (w *wrapped) Error() string   { return w.err.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.sentinel, w.err} }

// Run runs the test: Init (if not done), setup, the scenarios, teardown and
// the final threshold evaluation. It returns nil or an error wrapping the
// sentinel that says why the run failed, in this order of precedence: setup
// problems (ErrSetupTimeout, ErrScriptException, ...); what stopped the run
// early (ErrScriptAborted from test.abort(), ErrExternalAbort from Stop,
// ErrThresholdsCrossed from abortOnFail, ErrGoPanic, ErrScriptException
// from an init error mid-test); teardown problems; ErrThresholdsCrossed;
// ErrMarkedFailed from test.fail(). Cancelling ctx stops everything at once
// (teardown included); use Stop for a graceful stop.
func (e *Engine) Run(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = e.panicError(p, debug.Stack())
		}
	}()
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	e.abortMu.Lock()
	e.abortRunFn = cancelRun
	aborted := e.abortCause != nil
	e.abortMu.Unlock()
	if aborted {
		cancelRun()
	}

	defer func() {
		if e.cause() != nil {
			e.setStatus(StatusInterrupted)
		} else {
			e.setStatus(StatusEnded)
		}
	}()
	e.runStart.Store(time.Now().UnixNano())
	if err := e.Init(runCtx); err != nil {
		if c := e.cause(); c != nil {
			return c
		}
		return err
	}
	e.setStatus(StatusInitDone)
	if !e.waitResume(runCtx) || e.cause() != nil {
		if c := e.cause(); c != nil {
			return c // stopped during init or the pause: no setup, no teardown
		}
		return context.Cause(runCtx)
	}
	e.setStatus(StatusStarted)
	gaugesDone := e.emitGauges(runCtx)
	defer func() {
		gaugesDone()
		e.droppedBuf.Flush()
	}()
	e.setStatus(StatusSetup)
	if err := e.setup(runCtx); err != nil {
		return err
	}

	if e.cause() == nil {
		e.setStatus(StatusRunning)
		stopThresholds := e.watchThresholds(runCtx)
		e.runScenarios(runCtx)
		stopThresholds()
	}
	e.errLog.flush(e.logger)
	e.setStatus(StatusTeardown)
	teardownErr := e.teardown(ctx)

	gaugesDone()
	e.droppedBuf.Flush()

	var crossed []string
	if e.thresh != nil {
		crossed, _ = e.thresh.Evaluate(true)
		e.tainted.Store(len(crossed) > 0)
	}
	switch {
	case e.cause() != nil:
		return e.cause()
	case teardownErr != nil:
		return teardownErr
	case len(crossed) > 0:
		return &wrapped{sentinel: ErrThresholdsCrossed, err: fmt.Errorf("thresholds on metrics '%s' have been crossed", strings.Join(crossed, ", "))}
	}
	if reasons := e.failReasons(); reasons != nil {
		msg := ErrMarkedFailed.Error()
		if len(reasons) > 0 {
			msg += ": " + strings.Join(reasons, "; ")
		}
		return &wrapped{sentinel: ErrMarkedFailed, err: errors.New(msg)}
	}
	return nil
}

// setup runs setup() unless noSetup, bounded by setupTimeout.
func (e *Engine) setup(ctx context.Context) error {
	if config.Bool(e.opts.NoSetup, false) {
		return nil
	}
	timeout := e.setupTimeout()
	err := e.callWithTimeout(ctx, timeout, func(ctx context.Context) error {
		data, err := e.runner.Setup(ctx, e.ingester)
		if err == nil && data != nil {
			e.setupData.Store(&data)
		}
		return err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return &wrapped{sentinel: ErrSetupTimeout, err: fmt.Errorf("setup() execution timed out after %s (setupTimeout)", timeout)}
	case e.cause() != nil:
		return e.cause()
	}
	return scriptError(fmt.Errorf("setup() failed: %w", err))
}

// teardown runs teardown(data) unless noTeardown, bounded by teardownTimeout.
// It runs after an abort too.
func (e *Engine) teardown(ctx context.Context) error {
	if config.Bool(e.opts.NoTeardown, false) {
		return nil
	}
	timeout := e.teardownTimeout()
	err := e.callWithTimeout(ctx, timeout, func(ctx context.Context) error {
		return e.runner.Teardown(ctx, e.ingester)
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return &wrapped{sentinel: ErrTeardownTimeout, err: fmt.Errorf("teardown() execution timed out after %s (teardownTimeout)", timeout)}
	case errors.Is(err, ErrScriptAborted):
		e.abortRun(err)
		return e.cause()
	}
	return scriptError(fmt.Errorf("teardown() failed: %w", err))
}

func (e *Engine) setupTimeout() time.Duration {
	if e.opts.SetupTimeout != nil {
		return e.opts.SetupTimeout.D()
	}
	return config.DefaultSetupTimeout
}

func (e *Engine) teardownTimeout() time.Duration {
	if e.opts.TeardownTimeout != nil {
		return e.opts.TeardownTimeout.D()
	}
	return config.DefaultTeardownTimeout
}

// callWithTimeout runs fn with a context that ends after timeout. If fn does
// not return within the timeout (a runner that ignores its context), it
// still returns context.DeadlineExceeded after a short grace period.
func (e *Engine) callWithTimeout(ctx context.Context, timeout time.Duration, fn func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				res <- e.panicError(p, debug.Stack())
			}
		}()
		res <- fn(cctx)
	}()
	select {
	case err := <-res:
		if err != nil && cctx.Err() == context.DeadlineExceeded && !errors.Is(err, ErrScriptAborted) {
			return context.DeadlineExceeded
		}
		return err
	case <-cctx.Done():
		select {
		case err := <-res:
			if err != nil && cctx.Err() == context.DeadlineExceeded && !errors.Is(err, ErrScriptAborted) {
				return context.DeadlineExceeded
			}
			return err
		case <-time.After(time.Second):
			return cctx.Err()
		}
	}
}

// runScenarios starts every executor at its startTime and waits for all.
func (e *Engine) runScenarios(ctx context.Context) {
	start := time.Now()
	var wg sync.WaitGroup
	for _, ex := range e.execs {
		wg.Add(1)
		go func(ex executor) {
			defer wg.Done()
			b := ex.base()
			defer b.finish()
			defer func() {
				if p := recover(); p != nil {
					e.goPanic(p, debug.Stack())
				}
			}()
			if !b.waitStart(ctx, e.stopCh, start) {
				return
			}
			ex.run(ctx, e.stopCh)
		}(ex)
	}
	wg.Wait()
}

// Stop stops the run gracefully with reason (for example ErrExternalAbort on
// SIGINT): no new iterations start, running ones get their scenario's
// gracefulStop, then teardown runs. Safe to call from any goroutine, any
// number of times; the first reason wins.
func (e *Engine) Stop(reason error) {
	e.setCause(reason)
	e.stopOnce.Do(func() { close(e.stopCh) })
}

// abortRun stops the run at once with reason: running iterations are
// interrupted; teardown still runs.
func (e *Engine) abortRun(reason error) {
	e.setCause(reason)
	e.stopOnce.Do(func() { close(e.stopCh) })
	e.abortOnce.Do(func() { close(e.abortedCh) })
	e.abortMu.Lock()
	fn := e.abortRunFn
	e.abortMu.Unlock()
	if fn != nil {
		fn()
	}
}

func (e *Engine) setCause(err error) {
	e.abortMu.Lock()
	if e.abortCause == nil {
		e.abortCause = err
	}
	e.abortMu.Unlock()
}

func (e *Engine) cause() error {
	e.abortMu.Lock()
	defer e.abortMu.Unlock()
	return e.abortCause
}

// panicError logs a Go panic with its stack and returns an ErrGoPanic error.
func (e *Engine) panicError(p any, stack []byte) error {
	e.logger.WithField("stack", string(stack)).Errorf("Go panic: %v", p)
	return &wrapped{sentinel: ErrGoPanic, err: fmt.Errorf("Go panic: %v", p)}
}

// goPanic aborts the run because of a Go panic in a VU or executor.
func (e *Engine) goPanic(p any, stack []byte) {
	e.abortRun(e.panicError(p, stack))
}

// emitGauges emits vus and vus_max now and every GaugeInterval; the returned
// function emits a last pair and stops (idempotent).
func (e *Engine) emitGauges(ctx context.Context) func() {
	done := make(chan struct{})
	exited := make(chan struct{})
	emit := func() {
		now := time.Now()
		e.ingester.Ingest([]metrics.Sample{
			{Metric: e.builtin.VUs, Tags: e.runTags, Time: now, Value: float64(e.vusActive.Load())},
			{Metric: e.builtin.VUsMax, Tags: e.runTags, Time: now, Value: float64(e.nextVUID.Load())},
		})
	}
	go func() {
		defer close(exited)
		t := time.NewTicker(e.gaugeEvery)
		defer t.Stop()
		emit()
		for {
			select {
			case <-t.C:
				emit()
				e.droppedBuf.Flush()
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-exited
			emit()
		})
	}
}

// watchThresholds evaluates thresholds every ThresholdInterval and aborts the
// run when one with abortOnFail fails.
func (e *Engine) watchThresholds(ctx context.Context) func() {
	if e.thresh == nil {
		return func() {}
	}
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(e.threshEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				e.droppedBuf.Flush()
				crossed, abort := e.thresh.Evaluate(false)
				e.tainted.Store(len(crossed) > 0)
				if abort {
					msg := fmt.Sprintf("thresholds on metrics '%s' were crossed; at least one has abortOnFail enabled, stopping test prematurely", strings.Join(crossed, ", "))
					e.logger.Error(msg)
					e.abortRun(&wrapped{sentinel: ErrThresholdsCrossed, err: errors.New(msg)})
					return
				}
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}
