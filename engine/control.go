package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// ExecutionStatus is where a run is, numbered as k6 numbers it (the REST
// API's status attribute).
type ExecutionStatus int32

// The execution statuses, in the order a run goes through them.
const (
	StatusCreated ExecutionStatus = iota
	StatusInitVUs
	StatusInitExecutors
	StatusInitDone
	StatusPausedBeforeRun
	StatusStarted
	StatusSetup
	StatusRunning
	StatusTeardown
	StatusEnded
	StatusInterrupted
)

// Status is a snapshot of the run for the REST API (GET /v1/status).
type Status struct {
	Status  ExecutionStatus
	Paused  bool
	VUs     int64 // activated now
	VUsMax  int64 // initialised
	Stopped bool  // a stop was requested, or the run has ended
	Running bool  // started (after init and any pause before it) and not ended
	Tainted bool  // a threshold was crossed at the last evaluation
}

// Status returns where the run is.
func (e *Engine) Status() Status {
	st := ExecutionStatus(e.status.Load())
	e.pauseMu.Lock()
	paused := e.paused
	e.pauseMu.Unlock()
	stopped := st >= StatusEnded
	select {
	case <-e.stopCh:
		stopped = true
	default:
	}
	return Status{
		Status: st, Paused: paused,
		VUs: e.vusActive.Load(), VUsMax: e.nextVUID.Load(),
		Stopped: stopped,
		Running: st >= StatusStarted && st < StatusEnded,
		Tainted: e.tainted.Load(),
	}
}

func (e *Engine) setStatus(s ExecutionStatus) { e.status.Store(int32(s)) }

// pausable is an executor that can pause after its start (only
// externally-controlled, as in k6).
type pausable interface {
	setPaused(paused bool)
}

// SetPaused pauses or resumes the run. Before the scenarios start (during
// init, or in the pause that Params.Paused asks for) any run can be paused
// and resumed: it waits before setup. Once started, only a run whose
// scenarios all support it (externally-controlled) can: VUs finish their
// iteration and start no new one until resumed.
func (e *Engine) SetPaused(paused bool) error {
	e.pauseMu.Lock()
	defer e.pauseMu.Unlock()
	st := ExecutionStatus(e.status.Load())
	if st >= StatusEnded {
		return errors.New("the test run has ended")
	}
	if !e.started {
		if paused == e.paused {
			if paused {
				return errors.New("execution is already paused")
			}
			return nil
		}
		e.paused = paused
		if paused {
			e.resumeCh = make(chan struct{})
		} else {
			close(e.resumeCh)
		}
		return nil
	}
	if paused == e.paused {
		if paused {
			return errors.New("execution is already paused")
		}
		return nil // resuming a running test: nothing to do, whatever its executors
	}
	for _, ex := range e.execs {
		if _, ok := ex.(pausable); !ok {
			c := ex.base().common
			return fmt.Errorf("%s executor '%s' doesn't support pause and resume operations after its start", c.Executor, c.Name)
		}
	}
	for _, ex := range e.execs {
		ex.(pausable).setPaused(paused)
	}
	e.paused = paused
	return nil
}

// waitResume blocks while the run is paused before its start; it reports
// false when the run stopped first. Once it returns, pausing goes through
// the executors.
func (e *Engine) waitResume(ctx context.Context) bool {
	for {
		e.pauseMu.Lock()
		if !e.paused {
			e.started = true
			e.pauseMu.Unlock()
			return true
		}
		ch := e.resumeCh
		e.pauseMu.Unlock()
		e.setStatus(StatusPausedBeforeRun)
		e.logger.Info("Execution is paused, waiting for resume (stampede resume) or interrupt...")
		select {
		case <-ch:
		case <-e.stopCh:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// scalable is an executor whose VUs are set from outside
// (externally-controlled).
type scalable interface {
	scale(vus, maxVUs *int64) error
}

// Scale sets the number of VUs (vus) and the most it may have (maxVUs) of
// the externally-controlled scenario; a nil pointer keeps the value. More
// maxVUs initialises VUs at once; fewer is not supported (as in k6).
func (e *Engine) Scale(vus, maxVUs *int64) error {
	if vus == nil && maxVUs == nil {
		return nil
	}
	if ExecutionStatus(e.status.Load()) >= StatusEnded {
		return errors.New("the test run has ended")
	}
	for _, ex := range e.execs {
		if s, ok := ex.(scalable); ok {
			return s.scale(vus, maxVUs)
		}
	}
	return errors.New("could not find an externally-controlled executor: only its VUs can be scaled")
}

// SetSetupData replaces the data setup() returned (nil for none); VUs that
// start an iteration after it get the new data.
func (e *Engine) SetSetupData(data json.RawMessage) {
	if data == nil {
		e.setupData.Store(nil)
	} else {
		e.setupData.Store(&data)
	}
	if s, ok := e.runner.(setupDataSetter); ok {
		s.SetSetupData(data)
	}
}

// setupDataSetter is a runner that can take new setup data mid-run.
type setupDataSetter interface {
	SetSetupData(data json.RawMessage)
}

// RunSetup runs setup() now (the REST API's POST /v1/setup, for a run
// started with --no-setup) and keeps what it returns as the setup data.
func (e *Engine) RunSetup(ctx context.Context) (json.RawMessage, error) {
	var data json.RawMessage
	err := e.callWithTimeout(ctx, e.setupTimeout(), func(ctx context.Context) error {
		var err error
		data, err = e.runner.Setup(ctx, e.ingester)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("setup() failed: %w", err)
	}
	e.setupData.Store(&data)
	if data == nil {
		e.setupData.Store(nil)
	}
	return data, nil
}

// RunTeardown runs teardown(data) now (the REST API's POST /v1/teardown).
func (e *Engine) RunTeardown(ctx context.Context) error {
	err := e.callWithTimeout(ctx, e.teardownTimeout(), func(ctx context.Context) error {
		return e.runner.Teardown(ctx, e.ingester)
	})
	if err != nil {
		return fmt.Errorf("teardown() failed: %w", err)
	}
	return nil
}
