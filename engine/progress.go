package engine

import "time"

// ScenarioProgress describes where one scenario is, for progress displays
// and exec.scenario.progress.
type ScenarioProgress struct {
	Name     string
	Executor string
	Started  bool // the scenario's startTime has come and it got its VUs
	Finished bool
	// Fraction is the progress in [0, 1]: by iterations for the iteration
	// executors, by time for the others.
	Fraction float64
	VUs      int64 // VUs activated for the scenario now
	MaxVUs   int64 // most VUs the scenario may use in this instance
	// Iterations ended so far (completed or interrupted), and the planned
	// total for the iteration executors (0 when open-ended).
	Iterations, TotalIterations int64
	Dropped                     int64 // dropped iterations so far
	Elapsed                     time.Duration
	Total                       time.Duration // planned duration (maxDuration for iteration executors), without gracefulStop
	// Rate is the current target of arrival-rate executors, in iterations
	// per second for this instance (0 for the others).
	Rate float64
	// Detail is the executor's own summary, k6 style ("7/10 shared iters",
	// "10.00 iters/s").
	Detail string
}

func (b *scenarioBase) progressBase() ScenarioProgress {
	return ScenarioProgress{
		Name: b.common.Name, Executor: b.common.Executor,
		Started: b.startedAt.Load() != 0, Finished: b.finished.Load(),
		VUs: b.activeVUs.Load(), MaxVUs: b.self.neededVUs(),
		Dropped: b.dropped.Load(), Elapsed: b.elapsed(),
	}
}

// Progress returns every scenario's progress, in scenario name order. Safe to
// call from any goroutine at any time.
func (e *Engine) Progress() []ScenarioProgress {
	out := make([]ScenarioProgress, len(e.execs))
	for i, ex := range e.execs {
		out[i] = ex.progress()
	}
	return out
}
