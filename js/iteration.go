package js

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js/eventloop"
	"github.com/stampede-load/stampede/js/internal/vu"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

// activeVU is a VU activated for one scenario. It implements engine.ActiveVU.
type activeVU struct {
	v      *VU
	params *engine.VUActivationParams
	fn     sobek.Callable
	ctx    context.Context

	scenario modules.ScenarioState // this VU's copy, updated per iteration

	// runMu is held while an iteration runs; intMu orders the interrupt
	// (on RunContext's end) against the start and end of an iteration.
	runMu     sync.Mutex
	intMu     sync.Mutex
	iterating bool
}

var _ engine.ActiveVU = (*activeVU)(nil)

// Activate prepares the VU to run iterations of params.Exec for one
// scenario: __ENV gets the scenario's env, the VU's tags become the
// options' tags plus the scenario's tags and `scenario`. When
// params.RunContext ends, a running iteration is interrupted and, once it
// has returned, DeactivateCallback is called.
func (v *VU) Activate(params *engine.VUActivationParams) engine.ActiveVU {
	a := &activeVU{v: v, params: params, ctx: params.RunContext}
	if a.ctx == nil {
		a.ctx = context.Background()
	}
	exec := params.Exec
	if exec == "" {
		exec = "default"
	}
	a.fn = v.fn(exec)
	v.core.SetContext(a.ctx)
	v.applyEnv(params.Env)

	r := v.r
	tags := r.baseTags.WithMap(params.Tags)
	if params.Scenario != nil {
		a.scenario = *params.Scenario
		if r.systemTags["scenario"] {
			tags = tags.With("scenario", params.Scenario.Name)
		}
	}
	st := v.state
	st.Tags = metrics.NewTagsAndMeta(tags)
	st.Group = ""
	st.Scenario = &a.scenario
	v.act = a

	context.AfterFunc(a.ctx, func() {
		a.intMu.Lock()
		if a.iterating {
			v.rt.Interrupt(errInterrupted{ctx: a.ctx})
		}
		a.intMu.Unlock()
		a.runMu.Lock() // wait for the running iteration to return
		a.runMu.Unlock()
		if params.DeactivateCallback != nil {
			params.DeactivateCallback(v)
		}
	})
	return a
}

// RunOnce runs one iteration: the exec function with the VU's copy of the
// setup data, then the event loop until the returned promise settles and no
// timer or other async work is pending. It emits `iterations` and
// `iteration_duration` with the VU's tags (unless the iteration was
// interrupted) and flushes the VU's samples.
//
// Errors: a script exception is a *ScriptException (wrapping
// engine.ErrScriptException); exec.test.abort() wraps engine.ErrScriptAborted;
// an iteration interrupted because RunContext ended wraps ErrInterrupted and
// the context's error; when RunContext is already done, RunOnce runs nothing
// and returns an error wrapping the context's error (not ErrInterrupted).
func (a *activeVU) RunOnce() error {
	a.runMu.Lock()
	defer a.runMu.Unlock()
	a.intMu.Lock()
	if err := a.ctx.Err(); err != nil {
		a.intMu.Unlock()
		return fmt.Errorf("the VU's activation has ended: %w", ctxErr(a.ctx))
	}
	a.iterating = true
	a.intMu.Unlock()

	err := a.run()

	a.intMu.Lock()
	a.iterating = false
	a.v.rt.ClearInterrupt()
	a.intMu.Unlock()
	return err
}

func (a *activeVU) run() error {
	v := a.v
	if a.fn == nil {
		return fmt.Errorf("the script exports no function %q to run", a.params.Exec)
	}
	a.count()

	data, err := v.setupData()
	if err != nil {
		return err
	}
	start := time.Now()
	var promise *sobek.Promise
	loop := v.core.EventLoop()
	err = loop.Start(func() error {
		ret, err := a.fn(sobek.Undefined(), data)
		promise = vu.HandlePromise(v.rt, ret)
		return err
	})
	return a.finish(loop, promise, start, err)
}

// count numbers the iteration that starts: the scenario's and the VU's
// counters and __ITER. Like finish, it keeps run's frame small.
//
//go:noinline
func (a *activeVU) count() {
	v := a.v
	st := v.state
	if a.params.GetNextIterationCounters != nil {
		a.scenario.IterationInInstance, a.scenario.IterationInTest = a.params.GetNextIterationCounters()
	}
	name := a.scenario.Name
	st.Iteration, _ = v.scenarioIters.Get(name)
	v.scenarioIters.Set(name, st.Iteration+1)
	st.VUIteration = v.vuIterations
	v.vuIterations++
	v.core.SetGlobal("__ITER", v.rt.ToValue(st.Iteration))
}

// finish ends an iteration that started at start: the script's error, the
// minimum iteration duration, the iteration's samples. It is a function of
// its own so that run, under which the script runs, keeps a small frame:
// the deepest call of an iteration must fit in a VU's 8 KB stack
// (js/k6/http Client.run).
//
//go:noinline
func (a *activeVU) finish(loop *eventloop.EventLoop, promise *sobek.Promise, start time.Time, err error) error {
	st := a.v.state
	if err != nil {
		loop.WaitOnRegistered()
	} else if promise != nil && promise.State() == sobek.PromiseStateRejected {
		err = rejection(promise.Result())
	}
	err = scriptError(err)
	if cerr := a.ctx.Err(); cerr != nil && !errors.Is(err, engine.ErrScriptAborted) && !errors.Is(err, ErrInterrupted) {
		// The activation ended while the iteration was outside JavaScript
		// (sleep, a dropped timer, a cancelled request): it was cut short too.
		err = fmt.Errorf("%w: %w", ErrInterrupted, ctxErr(a.ctx))
	}
	interrupted := errors.Is(err, ErrInterrupted) || errors.Is(err, engine.ErrScriptAborted)

	if minDur := st.Options.MinIterationDuration; minDur != nil && !interrupted {
		if wait := minDur.D() - time.Since(start); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-a.ctx.Done():
				t.Stop()
			}
		}
	}
	if !interrupted {
		end := time.Now()
		tags := st.Tags.Tags()
		meta := st.Tags.Metadata()
		bm := st.BuiltinMetrics
		st.Samples.Add(
			metrics.Sample{Metric: bm.Iterations, Tags: tags, Metadata: meta, Time: end, Value: 1},
			metrics.Sample{Metric: bm.IterationDuration, Tags: tags, Metadata: meta, Time: end, Value: float64(end.Sub(start)) / float64(time.Millisecond)},
		)
	}
	st.Samples.Flush()
	return err
}
