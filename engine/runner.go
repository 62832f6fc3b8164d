package engine

import (
	"context"
	"encoding/json"
	"io"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

// Runner is what the engine needs from a script runtime. Package js implements it.
// Lifecycle order: Options, Configure, NewVU (many, concurrently), Setup,
// iterations on activated VUs, Teardown, HandleSummary.
type Runner interface {
	// Options returns the options the script exports (the "script" layer).
	Options() config.Options
	// Configure hands the runner the consolidated options and the engine's
	// execution objects before any VU is created.
	Configure(RunnerConfig) error
	// NewVU initialises one VU: a runtime with the script's init context run.
	// It is safe to call concurrently. Samples the VU emits go to out.
	NewVU(ctx context.Context, idInInstance, idInTest uint64, out metrics.Ingester) (InitializedVU, error)
	// IsExecutable reports whether exec names a function the script exports.
	IsExecutable(exec string) bool
	// Setup runs the exported setup() if any and keeps its result (JSON) for
	// every VU and for teardown. It returns the result as JSON (nil if none).
	Setup(ctx context.Context, out metrics.Ingester) (json.RawMessage, error)
	// Teardown runs the exported teardown(data) if any.
	Teardown(ctx context.Context, out metrics.Ingester) error
	// HasHandleSummary reports whether the script exports handleSummary.
	HasHandleSummary() bool
	// HandleSummary calls handleSummary(data) and returns its result: a map
	// from "stdout", "stderr" or a file path to the content to write there.
	HandleSummary(ctx context.Context, data map[string]any) (map[string]io.Reader, error)
}

// RunnerConfig is what Configure receives.
type RunnerConfig struct {
	Options   config.Options         // consolidated options
	Execution modules.ExecutionInfo  // k6/execution's instance object
	Test      modules.TestController // k6/execution's test object
}

// InitializedVU is a VU whose init context has run; it can be activated for a
// scenario many times over its life, once at a time.
type InitializedVU interface {
	// ID returns the VU's idInInstance.
	ID() uint64
	// Activate prepares the VU to run iterations of one scenario.
	Activate(*VUActivationParams) ActiveVU
}

// VUActivationParams say what an activated VU runs and when it must stop.
type VUActivationParams struct {
	// RunContext ends the activation: when it is done the VU interrupts its
	// current iteration and DeactivateCallback is called.
	RunContext         context.Context
	DeactivateCallback func(InitializedVU)
	Exec               string            // exported function to run
	Env                map[string]string // scenario env, merged over __ENV
	Tags               map[string]string // scenario tags
	Scenario           *modules.ScenarioState
	// GetNextIterationCounters returns the next iteration's numbers in this
	// instance and in the whole test (unique across execution segments).
	GetNextIterationCounters func() (inInstance, inTest int64)
}

// ActiveVU runs iterations.
type ActiveVU interface {
	// RunOnce runs one iteration of the exec function and waits for its event
	// loop to drain. A script exception is returned as an error (it does not
	// stop the VU); errors that must stop the run (test.abort) wrap
	// ErrScriptAborted.
	RunOnce() error
}
