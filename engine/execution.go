package engine

import (
	"errors"
	"time"

	"github.com/stampede-load/stampede/js/modules"
)

var (
	_ modules.ExecutionInfo  = (*Engine)(nil)
	_ modules.TestController = (*Engine)(nil)
)

// VUsActive returns how many VUs are activated in a scenario right now.
func (e *Engine) VUsActive() int64 { return e.vusActive.Load() }

// VUsInitialized returns how many VUs have been initialised (vus_max).
func (e *Engine) VUsInitialized() int64 { return e.nextVUID.Load() }

// IterationsCompleted returns how many iterations ended without error.
func (e *Engine) IterationsCompleted() int64 { return e.itersCompleted.Load() }

// IterationsInterrupted returns how many iterations ended early: by an
// exception, by the end of their scenario or by an abort.
func (e *Engine) IterationsInterrupted() int64 { return e.itersInterrupted.Load() }

// CurrentTestRunDuration returns the time since Run started (setup included).
func (e *Engine) CurrentTestRunDuration() time.Duration {
	s := e.runStart.Load()
	if s == 0 {
		return 0
	}
	return time.Duration(time.Now().UnixNano() - s)
}

// Abort stops the test run at once (exec.test.abort()): running iterations
// are interrupted, teardown still runs, and Run returns an error wrapping
// ErrScriptAborted (exit code 108). The runner should also end the calling
// iteration (RunOnce returning an error that wraps ErrScriptAborted).
func (e *Engine) Abort(reason string) {
	msg := "test aborted"
	if reason != "" {
		msg += ": " + reason
	}
	e.logger.Error(msg)
	e.abortRun(&wrapped{sentinel: ErrScriptAborted, err: errors.New(msg)})
}

// Fail marks the run as failed (exec.test.fail()); it goes on, and Run
// returns an error wrapping ErrMarkedFailed (exit code 110) unless a more
// important error happened.
func (e *Engine) Fail(reason string) {
	e.failMu.Lock()
	e.failReason = append(e.failReason, reason)
	e.failMu.Unlock()
	if reason != "" {
		e.logger.Warnf("test marked as failed: %s", reason)
	}
}

// failReasons returns the reasons given to Fail (nil when never called).
func (e *Engine) failReasons() []string {
	e.failMu.Lock()
	defer e.failMu.Unlock()
	if e.failReason == nil {
		return nil
	}
	out := make([]string, 0, len(e.failReason))
	for _, r := range e.failReason {
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}
