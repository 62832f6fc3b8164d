package engine

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

// executor runs one scenario. Each executor lives in its own file.
type executor interface {
	// base returns the state every executor shares.
	base() *scenarioBase
	// neededVUs is how many VUs the scenario holds at its busiest, in this
	// instance's segment (initialised before the run starts).
	neededVUs() int64
	// maxDuration is how long the scenario runs before its graceful stop
	// (without gracefulStop itself).
	maxDuration() time.Duration
	// run executes the scenario from its start; it returns when every VU it
	// used is back in the pool. stop is closed for a graceful stop of the run.
	run(ctx context.Context, stop <-chan struct{})
	// progress describes where the scenario is (safe to call concurrently).
	progress() ScenarioProgress
}

// scenarioBase is what every executor has: its config, the engine, counters.
type scenarioBase struct {
	e      *Engine
	self   executor // the executor embedding this base
	cfg    config.Scenario
	common *config.ScenarioCommon
	logger logrus.FieldLogger
	// droppedTags are the tags of dropped_iterations samples.
	droppedTags *metrics.TagSet

	startedAt   atomic.Int64 // unix nanoseconds when the scenario started; 0 before
	endedAt     atomic.Int64 // unix nanoseconds when it ended; 0 before
	finished    atomic.Bool
	activeVUs   atomic.Int64
	iterStarted atomic.Int64 // iterations started in this instance (iterationInInstance source)
	completed   atomic.Int64
	interrupted atomic.Int64
	dropped     atomic.Int64
}

func newScenarioBase(e *Engine, sc config.Scenario) scenarioBase {
	c := sc.Common()
	tags := e.runTags.WithMap(c.Tags).With("scenario", c.Name)
	return scenarioBase{
		e: e, cfg: sc, common: c,
		logger:      e.logger.WithFields(logrus.Fields{"executor": c.Executor, "scenario": c.Name}),
		droppedTags: tags,
	}
}

func (b *scenarioBase) base() *scenarioBase { return b }

// start records the scenario's start time.
func (b *scenarioBase) start() time.Time {
	now := time.Now()
	b.startedAt.Store(now.UnixNano())
	return now
}

// elapsed is the time since the scenario started (0 before), frozen once it
// ended.
func (b *scenarioBase) elapsed() time.Duration {
	s := b.startedAt.Load()
	if s == 0 {
		return 0
	}
	end := b.endedAt.Load()
	if end == 0 {
		end = time.Now().UnixNano()
	}
	return time.Duration(end - s)
}

// finish marks the scenario as ended.
func (b *scenarioBase) finish() {
	b.endedAt.Store(time.Now().UnixNano())
	b.finished.Store(true)
}

// timeProgress is elapsed/total clamped to [0, 1] (1 once finished).
func (b *scenarioBase) timeProgress(total time.Duration) float64 {
	if b.finished.Load() {
		return 1
	}
	if total <= 0 {
		return 0
	}
	return clamp01(float64(b.elapsed()) / float64(total))
}

func clamp01(f float64) float64 {
	switch {
	case f < 0:
		return 0
	case f > 1:
		return 1
	}
	return f
}

// stopControl derives a scenario's two stop signals from the run context:
// soft (no new iterations) when the scenario's time is up, the executor says
// so or the run stops gracefully, and hard (interrupt running iterations)
// gracefulStop after soft.
type stopControl struct {
	soft, hard             context.Context
	cancelSoft, cancelHard context.CancelFunc
	done                   chan struct{}
}

// newStopControl creates the contexts; arm starts the clock. Call finish
// when the executor is done.
func newStopControl(ctx context.Context) *stopControl {
	soft, cancelSoft := context.WithCancel(ctx)
	hard, cancelHard := context.WithCancel(ctx)
	return &stopControl{soft: soft, hard: hard, cancelSoft: cancelSoft, cancelHard: cancelHard, done: make(chan struct{})}
}

// arm starts the watcher: soft ends maxDur after start (never when maxDur <=
// 0), when stop is closed or when cancelSoft is called; hard ends
// gracefulStop later.
func (sc *stopControl) arm(stop <-chan struct{}, start time.Time, maxDur, gracefulStop time.Duration) {
	go func() {
		defer close(sc.done)
		var deadline <-chan time.Time
		if maxDur > 0 {
			t := time.NewTimer(time.Until(start.Add(maxDur)))
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-deadline:
		case <-stop:
		case <-sc.soft.Done():
		}
		sc.cancelSoft()
		g := time.NewTimer(gracefulStop)
		defer g.Stop()
		select {
		case <-g.C:
			sc.cancelHard()
		case <-sc.hard.Done():
		}
	}()
}

// finish releases the watcher once the executor has no VU running.
func (sc *stopControl) finish() {
	sc.cancelSoft()
	sc.cancelHard()
	<-sc.done
}

// vuRun is one activation of a VU for a scenario.
type vuRun struct {
	b      *scenarioBase
	vu     InitializedVU
	active ActiveVU
	ctx    context.Context
	cancel context.CancelFunc
	deact  chan struct{}
	once   sync.Once
	// counters of the iteration about to run, read by GetNextIterationCounters
	// on the goroutine that calls RunOnce.
	inInstance, inTest int64
	panicked           bool
}

// activate activates vu for the scenario; the activation ends when ctx is done
// or deactivate is called.
func (b *scenarioBase) activate(ctx context.Context, vu InitializedVU) *vuRun {
	actx, cancel := context.WithCancel(ctx)
	r := &vuRun{b: b, vu: vu, ctx: actx, cancel: cancel, deact: make(chan struct{})}
	c := b.common
	started := time.Unix(0, b.startedAt.Load())
	params := &VUActivationParams{
		RunContext:         actx,
		DeactivateCallback: func(InitializedVU) { r.once.Do(func() { close(r.deact) }) },
		Exec:               c.Exec,
		Env:                c.Env,
		Tags:               c.Tags,
		Scenario: &modules.ScenarioState{
			Name: c.Name, Executor: c.Executor, StartTime: started,
			Progress: func() float64 { return b.self.progress().Fraction },
		},
		GetNextIterationCounters: func() (int64, int64) { return r.inInstance, r.inTest },
	}
	r.active = vu.Activate(params)
	b.activeVUs.Add(1)
	b.e.vusActive.Add(1)
	return r
}

// deactivate ends the activation and waits until the runner has released the
// VU (DeactivateCallback). The VU can then be activated again.
func (r *vuRun) deactivate() {
	r.cancel()
	if !r.panicked {
		<-r.deact
	}
	r.b.activeVUs.Add(-1)
	r.b.e.vusActive.Add(-1)
}

// release deactivates the VU and returns it to the pool (a VU whose runner
// panicked is not reused).
func (r *vuRun) release() {
	r.deactivate()
	if !r.panicked {
		r.b.e.pool.put(r.vu)
	}
}

// iterate runs one iteration with the given counters. It reports false when
// the VU must not run more (its runner panicked).
func (r *vuRun) iterate(inInstance, inTest int64) (ok bool) {
	r.inInstance, r.inTest = inInstance, inTest
	b := r.b
	defer func() {
		if p := recover(); p != nil {
			r.panicked = true
			b.interrupted.Add(1)
			b.e.itersInterrupted.Add(1)
			b.e.goPanic(p, debug.Stack())
			ok = false
		}
	}()
	err := r.active.RunOnce()
	if err == nil {
		b.completed.Add(1)
		b.e.itersCompleted.Add(1)
		return true
	}
	b.interrupted.Add(1)
	b.e.itersInterrupted.Add(1)
	switch {
	case errors.Is(err, ErrScriptAborted):
		b.e.abortRun(err)
	case errors.Is(err, ErrGoPanic):
		b.e.abortRun(err)
	case r.ctx.Err() != nil && isInterruption(err):
		// interrupted by the end of the scenario or of the run: not an error.
	default:
		b.e.errLog.log(b.logger, err)
	}
	return true
}

// isInterruption reports whether err is how a runner reports an iteration
// cut short by its context.
func isInterruption(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrIterationInterrupted)
}

// ErrIterationInterrupted may be returned (wrapped) by ActiveVU.RunOnce when
// the iteration was cut short because its RunContext ended; the engine then
// counts it as interrupted without logging it. context.Canceled works too.
var ErrIterationInterrupted = errors.New("iteration interrupted")

// addDropped records n dropped iterations (a dropped_iterations sample).
func (b *scenarioBase) addDropped(n int64) {
	if n <= 0 {
		return
	}
	b.dropped.Add(n)
	b.e.droppedBuf.Add(metrics.Sample{
		Metric: b.e.builtin.DroppedIterations, Tags: b.droppedTags, Time: time.Now(), Value: float64(n),
	})
}

// waitStart waits until the scenario's startTime (from the start of the
// scenarios) and reports false when the run stopped first.
func (b *scenarioBase) waitStart(ctx context.Context, stop <-chan struct{}, runStart time.Time) bool {
	d := time.Until(runStart.Add(b.common.StartTime.D()))
	if d <= 0 {
		select {
		case <-stop:
			return false
		default:
			return ctx.Err() == nil
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	}
}

// runVUs is the shape of the executors whose VUs loop on their own
// (constant-vus, shared-iterations, per-vu-iterations): it takes n VUs from
// the pool, arms the scenario's stop control for maxDur, runs loop on each
// VU concurrently (i is the VU's index in this scenario), and returns once
// every VU is done. It reports false when the VUs could not be had (the run
// is stopping).
func (b *scenarioBase) runVUs(ctx context.Context, stop <-chan struct{}, n int64, maxDur time.Duration,
	loop func(i int, r *vuRun, ctl *stopControl)) bool {
	vus, err := b.e.pool.getN(ctx, n)
	if err != nil {
		return false
	}
	start := b.start()
	ctl := newStopControl(ctx)
	ctl.arm(stop, start, maxDur, b.common.GracefulStop.D())
	var wg sync.WaitGroup
	for i, vu := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := b.activate(ctl.hard, vu)
			defer r.release()
			loop(i, r, ctl)
		}()
	}
	wg.Wait()
	ctl.finish()
	return true
}
