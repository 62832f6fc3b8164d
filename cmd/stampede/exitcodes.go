package main

import (
	"errors"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/metrics"
	"github.com/stampede-load/stampede/output"
	"github.com/stampede-load/stampede/summary"
)

// k6's exit codes.
const (
	exitOK                = 0
	exitThresholdsCrossed = 99
	exitSetupTimeout      = 100
	exitTeardownTimeout   = 101
	exitGenericTimeout    = 102
	exitInvalidConfig     = 104
	exitExternalAbort     = 105
	exitScriptException   = 107
	exitScriptAborted     = 108
	exitGoPanic           = 109
	exitMarkedFailed      = 110
	exitGenericError      = 255 // k6's -1
)

// errUsage marks command-line flag errors (unknown flag, bad value); they are
// configuration errors (exit 104).
var errUsage = errors.New("invalid command-line flags")

// exitCode maps an error to k6's exit code. It is the only place where exit
// codes are decided. When an error wraps several sentinels, the first match
// in this order wins: why the run was stopped comes before what it found.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, engine.ErrGoPanic):
		return exitGoPanic
	case errors.Is(err, engine.ErrExternalAbort):
		return exitExternalAbort
	case errors.Is(err, engine.ErrScriptAborted):
		return exitScriptAborted
	case errors.Is(err, engine.ErrSetupTimeout):
		return exitSetupTimeout
	case errors.Is(err, engine.ErrTeardownTimeout):
		return exitTeardownTimeout
	case errors.Is(err, engine.ErrTimeout):
		return exitGenericTimeout
	case errors.Is(err, config.ErrInvalidConfig), errors.Is(err, errUsage),
		errors.Is(err, metrics.ErrInvalidThreshold), errors.Is(err, output.ErrInvalidSpec),
		errors.Is(err, summary.ErrInvalidOption):
		return exitInvalidConfig
	case errors.Is(err, engine.ErrThresholdsCrossed):
		return exitThresholdsCrossed
	case errors.Is(err, engine.ErrScriptException):
		return exitScriptException
	case errors.Is(err, engine.ErrMarkedFailed):
		return exitMarkedFailed
	}
	return exitGenericError
}
