package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/stampede-load/stampede/engine"
)

// signalHandler implements k6's signal behaviour: the first SIGINT or
// SIGTERM stops the run gracefully (gracefulStop honoured, teardown, summary
// and outputs still run; exit 105); a second one exits at once (105).
type signalHandler struct {
	gs         *globalState
	cancelLoad context.CancelCauseFunc
	stopCh     chan struct{}
	unsub      func()
	done       chan struct{}

	mu       sync.Mutex
	eng      *engine.Engine
	n        int
	lingerCh chan struct{} // set while lingering: the next signal closes it
}

// signalError is the run's error after a signal; it wraps
// engine.ErrExternalAbort.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string {
	return fmt.Sprintf("%s: %s", engine.ErrExternalAbort, e.sig)
}
func (e *signalError) Unwrap() error { return engine.ErrExternalAbort }

func newSignalHandler(gs *globalState, cancelLoad context.CancelCauseFunc) *signalHandler {
	ch, unsub := gs.signals()
	h := &signalHandler{gs: gs, cancelLoad: cancelLoad, stopCh: make(chan struct{}), unsub: unsub, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			select {
			case s := <-ch:
				h.handle(s)
			case <-h.stopCh:
				return
			}
		}
	}()
	return h
}

// setEngine hands the handler the engine once it exists; before that, the
// first signal cancels loading.
func (h *signalHandler) setEngine(e *engine.Engine) {
	h.mu.Lock()
	h.eng = e
	pending := h.n > 0
	h.mu.Unlock()
	if pending {
		e.Stop(&signalError{sig: os.Interrupt})
	}
}

func (h *signalHandler) handle(s os.Signal) {
	h.mu.Lock()
	if h.lingerCh != nil {
		close(h.lingerCh)
		h.lingerCh = nil
		h.mu.Unlock()
		return
	}
	h.n++
	n, eng := h.n, h.eng
	h.mu.Unlock()
	err := &signalError{sig: s}
	if n == 1 {
		h.gs.logger.Warnf("Stopping the test run in response to signal %s: running iterations get their gracefulStop, then teardown, summary and outputs run. Send it again to exit at once.", s)
		if eng != nil {
			eng.Stop(err)
		} else {
			h.cancelLoad(err)
		}
		return
	}
	h.gs.logger.Errorf("Exiting at once in response to a second signal %s", s)
	h.gs.exit(exitExternalAbort)
}

// linger waits for a signal after the test (--linger), so that the REST
// API stays up; the run's exit code stands. A signal that came during the
// run already ended it.
func (h *signalHandler) linger() {
	h.mu.Lock()
	if h.n > 0 {
		h.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	h.lingerCh = ch
	h.mu.Unlock()
	h.gs.logger.Info("Linger set; waiting for Ctrl+C to fully exit...")
	<-ch
}

func (h *signalHandler) stop() {
	h.unsub()
	select {
	case <-h.stopCh:
	default:
		close(h.stopCh)
	}
	<-h.done
}
