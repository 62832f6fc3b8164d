package js

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js/eventloop"
)

// ScriptException is a JavaScript error thrown by the script (or a syntax
// error in it). It wraps engine.ErrScriptException and the underlying error.
type ScriptException struct {
	// Text is the error and its JavaScript stack with original
	// file:line:column positions, as k6 prints it.
	Text string
	err  error
}

// Error returns Text.
func (e *ScriptException) Error() string { return e.Text }

// Unwrap returns engine.ErrScriptException and the underlying error.
func (e *ScriptException) Unwrap() []error { return []error{engine.ErrScriptException, e.err} }

// errInterrupted is the value a VU is interrupted with when its activation's
// context ends.
type errInterrupted struct{ ctx context.Context }

func (e errInterrupted) Error() string { return "interrupted: " + ctxErr(e.ctx).Error() }
func (e errInterrupted) Unwrap() error { return ctxErr(e.ctx) }

// ctxErr is ctx's error, wrapping both ctx.Err() (context.Canceled or
// DeadlineExceeded, what callers test for) and the cancellation cause when
// there is a distinct one.
func ctxErr(ctx context.Context) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("%w (%w)", err, cause)
	}
	return err
}

// ErrInterrupted is wrapped (with the context's error) by the error RunOnce
// returns for an iteration cut short because its RunContext ended; such an
// iteration emits no iteration samples. It is engine.ErrIterationInterrupted.
var ErrInterrupted = engine.ErrIterationInterrupted

// scriptError converts an error from running JavaScript into what callers get:
// a *ScriptException for script errors, the interrupt's cause for interrupts.
func scriptError(err error) error {
	if err == nil {
		return nil
	}
	var ie *sobek.InterruptedError
	if errors.As(err, &ie) {
		if v, ok := ie.Value().(errInterrupted); ok {
			return fmt.Errorf("%w: %w", ErrInterrupted, ctxErr(v.ctx))
		}
		if cause, ok := ie.Value().(error); ok {
			return cause
		}
		return fmt.Errorf("%w: %v", ErrInterrupted, ie.Value())
	}
	if errors.Is(err, engine.ErrScriptAborted) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *ScriptException
	if errors.As(err, &se) {
		return err
	}
	var text string
	var ex *sobek.Exception
	var ur *eventloop.UnhandledRejectionError
	switch {
	case errors.As(err, &ex):
		text = strings.TrimRight(ex.String(), "\n")
	case errors.As(err, &ur):
		text = strings.TrimRight(ur.Error(), "\n")
	default:
		text = err.Error()
	}
	return &ScriptException{Text: cleanStack(text), err: err}
}

// goFrame matches stack frames of Go functions, which sobek names by their
// Go symbol ("github.com/x/y.(*T).m-fm"); k6 shows them as "native".
var goFrame = regexp.MustCompile(`(?m)^(\s*at )\S*[/.]\S* \(native\)$`)

func cleanStack(text string) string {
	if !strings.Contains(text, "(native)") {
		return text
	}
	return goFrame.ReplaceAllString(text, "${1}native")
}
