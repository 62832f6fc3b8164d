package eventloop

import (
	"fmt"
	"sync"

	"github.com/grafana/sobek"
)

// EventLoop is one VU's event loop. Start, RegisterCallback and
// WaitOnRegistered must be called on the VU's goroutine; the enqueue
// functions RegisterCallback returns may be called from any goroutine.
type EventLoop struct {
	rt *sobek.Runtime

	mu         sync.Mutex
	queue      []func() error
	spare      []func() error
	registered int
	wakeup     chan struct{}

	// Unhandled promise rejections, in rejection order. Only touched on the
	// VU's goroutine (the tracker runs inside the runtime).
	rejected []*sobek.Promise
}

// New returns the event loop of rt and installs rt's promise rejection tracker.
func New(rt *sobek.Runtime) *EventLoop {
	e := &EventLoop{rt: rt, wakeup: make(chan struct{}, 1)}
	rt.SetPromiseRejectionTracker(e.trackRejection)
	return e
}

func (e *EventLoop) trackRejection(p *sobek.Promise, op sobek.PromiseRejectionOperation) {
	switch op {
	case sobek.PromiseRejectionReject:
		e.rejected = append(e.rejected, p)
	case sobek.PromiseRejectionHandle:
		for i, q := range e.rejected {
			if q == p {
				e.rejected = append(e.rejected[:i], e.rejected[i+1:]...)
				break
			}
		}
	}
}

// RegisterCallback reserves a slot on the loop: the loop does not end before
// the returned function is called. Call the returned function once, from any
// goroutine, with the function to run on the loop; further calls panic.
func (e *EventLoop) RegisterCallback() func(func() error) {
	e.mu.Lock()
	e.registered++
	e.mu.Unlock()
	var once sync.Once
	return func(f func() error) {
		called := false
		once.Do(func() {
			called = true
			e.mu.Lock()
			e.queue = append(e.queue, f)
			e.registered--
			e.mu.Unlock()
			select {
			case e.wakeup <- struct{}{}:
			default:
			}
		})
		if !called {
			panic("eventloop: a RegisterCallback enqueue function was called twice")
		}
	}
}

// Start runs first and then every enqueued callback, in order, until the
// queue is empty and no registered callback is outstanding. The first error
// (a callback's, or an unhandled promise rejection) stops the loop and is
// returned; callbacks still queued then are dropped (see WaitOnRegistered).
func (e *EventLoop) Start(first func() error) error {
	e.rejected = e.rejected[:0]
	if err := e.run(first); err != nil {
		return err
	}
	for {
		e.mu.Lock()
		if len(e.queue) == 0 {
			if e.registered == 0 {
				e.mu.Unlock()
				return nil
			}
			e.mu.Unlock()
			<-e.wakeup
			continue
		}
		batch := e.queue
		e.queue = e.spare[:0]
		e.mu.Unlock()
		for i, f := range batch {
			if err := e.run(f); err != nil {
				e.mu.Lock()
				// Drop the rest of the batch; it was dequeued already.
				clear(batch[i:])
				e.mu.Unlock()
				return err
			}
			batch[i] = nil
		}
		e.spare = batch[:0]
	}
}

func (e *EventLoop) run(f func() error) error {
	if err := f(); err != nil {
		return err
	}
	if len(e.rejected) > 0 {
		p := e.rejected[0]
		e.rejected = e.rejected[:0]
		return &UnhandledRejectionError{Value: p.Result()}
	}
	return nil
}

// WaitOnRegistered waits until every outstanding registered callback has been
// enqueued and drops them all without running them. Call it after Start
// returned an error (an interrupted iteration), so the next Start begins
// clean; modules release their slots when the VU's context ends.
func (e *EventLoop) WaitOnRegistered() {
	for {
		e.mu.Lock()
		clear(e.queue)
		e.queue = e.queue[:0]
		if e.registered == 0 {
			e.mu.Unlock()
			e.rejected = e.rejected[:0]
			return
		}
		e.mu.Unlock()
		<-e.wakeup
	}
}

// Pending returns the number of registered callbacks not yet enqueued plus
// the callbacks queued but not yet run.
func (e *EventLoop) Pending() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.registered + len(e.queue)
}

// UnhandledRejectionError is returned by Start when a promise was rejected and
// no handler was attached by the end of the callback that rejected it.
type UnhandledRejectionError struct {
	Value sobek.Value // the rejection reason
}

// Error renders the reason like k6: "Uncaught (in promise) <reason>", with
// the stack when the reason is an Error.
func (e *UnhandledRejectionError) Error() string {
	return "Uncaught (in promise) " + describe(e.Value)
}

func describe(v sobek.Value) string {
	if v == nil {
		return "undefined"
	}
	if o, ok := v.(*sobek.Object); ok {
		if st := o.Get("stack"); st != nil && !sobek.IsUndefined(st) && !sobek.IsNull(st) {
			return st.String()
		}
	}
	return fmt.Sprint(v.String())
}
