package engine

import (
	"errors"

	"github.com/stampede-load/stampede/config"
)

// Sentinel errors the CLI maps to k6's exit codes (exit codes are attached only
// at the CLI boundary). Errors returned by the engine wrap one of these.
var (
	ErrThresholdsCrossed = errors.New("thresholds have been crossed")   // 99
	ErrSetupTimeout      = errors.New("setup() execution timed out")    // 100
	ErrTeardownTimeout   = errors.New("teardown() execution timed out") // 101
	ErrTimeout           = errors.New("execution timed out")            // 102
	// ErrInvalidConfig is config.ErrInvalidConfig (the same value), so that
	// configuration errors from either package match it.
	ErrInvalidConfig   = config.ErrInvalidConfig                     // 104
	ErrExternalAbort   = errors.New("test run aborted by signal")    // 105
	ErrScriptException = errors.New("script exception")              // 107
	ErrScriptAborted   = errors.New("test aborted by the script")    // 108
	ErrGoPanic         = errors.New("internal error (Go panic)")     // 109
	ErrMarkedFailed    = errors.New("test run was marked as failed") // 110
)
