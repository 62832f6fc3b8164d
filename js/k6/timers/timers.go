package timers

import (
	"context"
	"sort"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modules"
)

func init() { modules.RegisterBuiltin("k6/timers", New()) }

// RootModule is the k6/timers module; each VU gets a *Timers.
type RootModule struct{}

// New returns the k6/timers module.
func New() *RootModule { return &RootModule{} }

// NewModuleInstance returns the VU's timers.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance { return NewTimers(vu) }

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*Timers)(nil)
)

type timer struct {
	id       int64
	deadline time.Time
	interval time.Duration // > 0 for setInterval
	fn       sobek.Callable
	args     []sobek.Value
}

// Timers is one VU's timer queue. All methods run on the VU's goroutine.
type Timers struct {
	vu     modules.VU
	nextID int64
	queue  []*timer // sorted by deadline, then id
	byID   map[int64]*timer

	// The waiter goroutine sleeping until the head's deadline holds one
	// event-loop slot; stop cancels it; gen tells a stale wake-up apart.
	stop chan struct{}
	gen  uint64
}

// NewTimers returns the timers of one VU.
func NewTimers(vu modules.VU) *Timers {
	return &Timers{vu: vu, byID: make(map[int64]*timer)}
}

// Exports returns setTimeout, clearTimeout, setInterval and clearInterval.
func (t *Timers) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"setTimeout":    t.setTimeout,
		"clearTimeout":  t.clear,
		"setInterval":   t.setInterval,
		"clearInterval": t.clear,
	}}
}

func (t *Timers) setTimeout(call sobek.FunctionCall) sobek.Value {
	return t.vu.Runtime().ToValue(t.add(call.Argument(0), call.Argument(1).ToFloat(), false, rest(call.Arguments)))
}

func (t *Timers) setInterval(call sobek.FunctionCall) sobek.Value {
	return t.vu.Runtime().ToValue(t.add(call.Argument(0), call.Argument(1).ToFloat(), true, rest(call.Arguments)))
}

func (t *Timers) clear(call sobek.FunctionCall) sobek.Value {
	t.Clear(call.Argument(0).ToInteger())
	return sobek.Undefined()
}

func rest(args []sobek.Value) []sobek.Value {
	if len(args) <= 2 {
		return nil
	}
	return append([]sobek.Value(nil), args[2:]...)
}

// SetTimeout schedules fn(args...) after delay milliseconds and returns the timer id.
func (t *Timers) SetTimeout(fn sobek.Value, delay float64, args ...sobek.Value) int64 {
	return t.add(fn, delay, false, args)
}

// SetInterval schedules fn(args...) every delay milliseconds and returns the timer id.
func (t *Timers) SetInterval(fn sobek.Value, delay float64, args ...sobek.Value) int64 {
	return t.add(fn, delay, true, args)
}

// Clear cancels a timeout or interval; unknown ids are ignored.
func (t *Timers) Clear(id int64) {
	tm, ok := t.byID[id]
	if !ok {
		return
	}
	delete(t.byID, id)
	for i, q := range t.queue {
		if q == tm {
			t.queue = append(t.queue[:i], t.queue[i+1:]...)
			break
		}
	}
	t.reschedule()
}

func (t *Timers) add(fn sobek.Value, delay float64, repeat bool, args []sobek.Value) int64 {
	rt := t.vu.Runtime()
	call, ok := sobek.AssertFunction(fn)
	if !ok {
		panic(rt.NewTypeError("the first argument of setTimeout/setInterval must be a function"))
	}
	if delay != delay || delay < 0 { // NaN or negative: 0, as browsers do
		delay = 0
	}
	d := time.Duration(delay * float64(time.Millisecond))
	t.nextID++
	tm := &timer{id: t.nextID, deadline: time.Now().Add(d), fn: call, args: args}
	if repeat {
		tm.interval = max(d, time.Millisecond)
	}
	t.byID[tm.id] = tm
	t.insert(tm)
	t.reschedule()
	return tm.id
}

func (t *Timers) insert(tm *timer) {
	i := sort.Search(len(t.queue), func(i int) bool {
		q := t.queue[i]
		return q.deadline.After(tm.deadline) || (q.deadline.Equal(tm.deadline) && q.id > tm.id)
	})
	t.queue = append(t.queue, nil)
	copy(t.queue[i+1:], t.queue[i:])
	t.queue[i] = tm
}

// reschedule replaces the waiter with one for the current head (if any).
func (t *Timers) reschedule() {
	if t.stop != nil {
		close(t.stop)
		t.stop = nil
	}
	t.gen++
	if len(t.queue) == 0 {
		return
	}
	enqueue := t.vu.RegisterCallback()
	stop := make(chan struct{})
	t.stop = stop
	gen := t.gen
	ctx := t.vu.Context()
	wait := time.Until(t.queue[0].deadline)
	go func() {
		tm := time.NewTimer(wait)
		defer tm.Stop()
		select {
		case <-tm.C:
			enqueue(func() error { return t.fire(gen) })
		case <-stop:
			enqueue(func() error { return nil })
		case <-doneOf(ctx):
			enqueue(func() error { t.dropAll(gen); return nil })
		}
	}()
}

func doneOf(ctx context.Context) <-chan struct{} {
	if ctx == nil {
		return nil
	}
	return ctx.Done()
}

func (t *Timers) dropAll(gen uint64) {
	if gen != t.gen {
		return
	}
	t.stop = nil
	t.queue = t.queue[:0]
	clear(t.byID)
}

// fire runs every due timer in order, then waits for the next one.
func (t *Timers) fire(gen uint64) error {
	if gen == t.gen {
		t.stop = nil // this waiter is done
	}
	now := time.Now()
	for len(t.queue) > 0 && !t.queue[0].deadline.After(now) {
		tm := t.queue[0]
		t.queue = t.queue[1:]
		if tm.interval > 0 {
			tm.deadline = now.Add(tm.interval)
			t.insert(tm)
		} else {
			delete(t.byID, tm.id)
		}
		if _, err := tm.fn(sobek.Undefined(), tm.args...); err != nil {
			t.reschedule()
			return err
		}
	}
	t.reschedule()
	return nil
}
