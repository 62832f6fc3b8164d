package execution

import (
	"errors"
	"fmt"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

func init() { modules.RegisterBuiltin("k6/execution", New()) }

// RootModule is the `k6/execution` module.
type RootModule struct{}

// New returns the module.
func New() *RootModule { return &RootModule{} }

// NewModuleInstance builds the VU's exec object.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	e := &Execution{vu: vu}
	e.obj = e.build()
	return e
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*Execution)(nil)
)

// Execution is one VU's `k6/execution` instance.
type Execution struct {
	vu  modules.VU
	obj *sobek.Object

	children        map[string]*sobek.Object
	metricsObj      *sobek.Object
	abortFn, failFn sobek.Value
}

// Exports returns the exec object as the default export; its properties
// (instance, scenario, test, vu) are the named exports.
func (e *Execution) Exports() modules.Exports {
	return modules.Exports{Default: e.obj}
}

// AbortError is what exec.test.abort() interrupts the VU with. It wraps
// engine.ErrScriptAborted.
type AbortError struct {
	Reason string
}

// Error names the reason.
func (e *AbortError) Error() string {
	if e.Reason == "" {
		return "test aborted by the script: exec.test.abort() was called"
	}
	return "test aborted by the script: " + e.Reason
}

// Unwrap returns engine.ErrScriptAborted.
func (e *AbortError) Unwrap() error { return engine.ErrScriptAborted }

func (e *Execution) throw(format string, args ...any) {
	panic(e.vu.Runtime().NewGoError(fmt.Errorf(format, args...)))
}

func (e *Execution) state(what string) *modules.State {
	st := e.vu.State()
	if st == nil {
		e.throw("getting %s information in the init context is not supported", what)
	}
	return st
}

// getter computes one property of an exec object for a VU.
type getter func(e *Execution) any

// liveObject is a read-only object whose properties are computed from the
// VU's state on every read (a DynamicObject: no function per property; the
// property tables are shared by all VUs).
type liveObject struct {
	e     *Execution
	keys  []string
	props map[string]getter
}

func (l *liveObject) Get(key string) sobek.Value {
	g, ok := l.props[key]
	if !ok {
		return nil
	}
	v := g(l.e)
	if sv, isValue := v.(sobek.Value); isValue {
		return sv
	}
	return l.e.vu.Runtime().ToValue(v)
}

func (l *liveObject) Set(string, sobek.Value) bool { return false }

func (l *liveObject) Has(key string) bool {
	_, ok := l.props[key]
	return ok
}

func (l *liveObject) Delete(string) bool { return false }

func (l *liveObject) Keys() []string { return l.keys }

type objectDef struct {
	keys  []string
	props map[string]getter
}

func def(props map[string]getter, keys ...string) objectDef {
	return objectDef{keys: keys, props: props}
}

var (
	instanceDef = def(map[string]getter{
		"iterationsInterrupted": func(e *Execution) any { return e.exec().IterationsInterrupted() },
		"iterationsCompleted":   func(e *Execution) any { return e.exec().IterationsCompleted() },
		"vusActive":             func(e *Execution) any { return e.exec().VUsActive() },
		"vusInitialized":        func(e *Execution) any { return e.exec().VUsInitialized() },
		"currentTestRunDuration": func(e *Execution) any {
			return float64(e.exec().CurrentTestRunDuration()) / float64(time.Millisecond)
		},
	}, "iterationsInterrupted", "iterationsCompleted", "vusActive", "vusInitialized", "currentTestRunDuration")

	scenarioDef = def(map[string]getter{
		"name":      func(e *Execution) any { return e.scenario().Name },
		"executor":  func(e *Execution) any { return e.scenario().Executor },
		"startTime": func(e *Execution) any { return e.scenario().StartTime.UnixMilli() },
		"progress": func(e *Execution) any {
			if p := e.scenario().Progress; p != nil {
				return p()
			}
			return 0.0
		},
		"iterationInInstance": func(e *Execution) any { return e.scenario().IterationInInstance },
		"iterationInTest":     func(e *Execution) any { return e.scenario().IterationInTest },
	}, "name", "executor", "startTime", "progress", "iterationInInstance", "iterationInTest")

	testDef = def(map[string]getter{
		"abort": func(e *Execution) any {
			if e.abortFn == nil {
				e.abortFn = e.vu.Runtime().ToValue(e.abort)
			}
			return e.abortFn
		},
		"fail": func(e *Execution) any {
			if e.failFn == nil {
				e.failFn = e.vu.Runtime().ToValue(e.fail)
			}
			return e.failFn
		},
		"options": func(e *Execution) any { return e.options() },
	}, "abort", "fail", "options")

	vuDef = def(map[string]getter{
		"idInInstance":        func(e *Execution) any { return e.state("VU").VUID },
		"idInTest":            func(e *Execution) any { return e.state("VU").VUIDGlobal },
		"iterationInInstance": func(e *Execution) any { return e.state("VU").VUIteration },
		"iterationInScenario": func(e *Execution) any { return e.state("VU").Iteration },
		"metrics":             func(e *Execution) any { return e.vuMetrics() },
		// Deprecated alias of vu.metrics.tags, kept by k6.
		"tags": func(e *Execution) any { return e.vuMetrics().Get("tags") },
	}, "idInInstance", "idInTest", "iterationInInstance", "iterationInScenario", "metrics", "tags")

	rootDef = def(map[string]getter{
		"instance": func(e *Execution) any { return e.child("instance", instanceDef) },
		"scenario": func(e *Execution) any { return e.child("scenario", scenarioDef) },
		"test":     func(e *Execution) any { return e.child("test", testDef) },
		"vu":       func(e *Execution) any { return e.child("vu", vuDef) },
	}, "instance", "scenario", "test", "vu")
)

func (e *Execution) object(d objectDef) *sobek.Object {
	return e.vu.Runtime().NewDynamicObject(&liveObject{e: e, keys: d.keys, props: d.props})
}

// child returns the VU's object name (created on first use).
func (e *Execution) child(name string, d objectDef) *sobek.Object {
	if o, ok := e.children[name]; ok {
		return o
	}
	if e.children == nil {
		e.children = make(map[string]*sobek.Object, 4)
	}
	o := e.object(d)
	e.children[name] = o
	return o
}

func (e *Execution) vuMetrics() *sobek.Object {
	if e.metricsObj == nil {
		rt := e.vu.Runtime()
		o := rt.NewObject()
		_ = o.Set("tags", rt.NewDynamicObject(&tagsObject{e: e, kind: "tags"}))
		_ = o.Set("metadata", rt.NewDynamicObject(&tagsObject{e: e, kind: "metadata"}))
		e.metricsObj = o
	}
	return e.metricsObj
}

func (e *Execution) build() *sobek.Object { return e.object(rootDef) }

func (e *Execution) exec() modules.ExecutionInfo {
	st := e.state("instance")
	if st.Execution == nil {
		e.throw("instance information is not available in this run")
	}
	return st.Execution
}

func (e *Execution) scenario() *modules.ScenarioState {
	st := e.state("scenario")
	if st.Scenario == nil {
		e.throw("getting scenario information outside of a scenario (in setup or teardown) is not supported")
	}
	return st.Scenario
}

// options returns the consolidated options as a frozen plain object.
func (e *Execution) options() sobek.Value {
	rt := e.vu.Runtime()
	var opts any
	if st := e.vu.State(); st != nil && st.Options != nil {
		opts = st.Options
	} else if env := e.vu.InitEnv(); env != nil && env.Options != nil {
		opts = env.Options
	} else {
		return sobek.Undefined()
	}
	v, err := toJSValue(rt, opts)
	if err != nil {
		e.throw("exec.test.options: %w", err)
	}
	return v
}

// abort(reason) stops the whole test run: teardown still runs and the run
// exits with code 108. The VU is interrupted at once.
func (e *Execution) abort(call sobek.FunctionCall) sobek.Value {
	reason := ""
	if a := call.Argument(0); !sobek.IsUndefined(a) {
		reason = a.String()
	}
	if st := e.vu.State(); st != nil && st.Test != nil {
		st.Test.Abort(reason)
	}
	e.vu.Runtime().Interrupt(&AbortError{Reason: reason})
	return sobek.Undefined()
}

// fail(reason) marks the test run as failed (exit code 110) and lets it go on.
func (e *Execution) fail(call sobek.FunctionCall) sobek.Value {
	reason := ""
	if a := call.Argument(0); !sobek.IsUndefined(a) {
		reason = a.String()
	}
	st := e.state("test")
	if st.Test == nil {
		e.throw("exec.test.fail() is not available in this run")
	}
	st.Test.Fail(reason)
	return sobek.Undefined()
}

// tagsObject is exec.vu.metrics.tags (kind "tags") or .metadata: a live view
// of the VU's tags or metadata.
type tagsObject struct {
	e    *Execution
	kind string
}

func (t *tagsObject) tm() *metrics.TagsAndMeta {
	st := t.e.state("VU")
	return st.Tags
}

func (t *tagsObject) Get(key string) sobek.Value {
	rt := t.e.vu.Runtime()
	tm := t.tm()
	if t.kind == "tags" {
		if v, ok := tm.Tags().Get(key); ok {
			return rt.ToValue(v)
		}
		return sobek.Undefined()
	}
	if v, ok := tm.Metadata()[key]; ok {
		return rt.ToValue(v)
	}
	return sobek.Undefined()
}

var errTagValue = errors.New("only string, number and boolean values can be tags or metadata")

func (t *tagsObject) Set(key string, val sobek.Value) bool {
	switch val.Export().(type) {
	case string, int64, float64, bool:
	default:
		t.e.throw("exec.vu.metrics.%s[%q] = %s: %w", t.kind, key, val.String(), errTagValue)
	}
	tm := t.tm()
	if t.kind == "tags" {
		tm.SetTag(key, val.String())
	} else {
		tm.SetMetadata(key, val.String())
	}
	return true
}

func (t *tagsObject) Has(key string) bool {
	tm := t.tm()
	if t.kind == "tags" {
		_, ok := tm.Tags().Get(key)
		return ok
	}
	_, ok := tm.Metadata()[key]
	return ok
}

func (t *tagsObject) Delete(key string) bool {
	tm := t.tm()
	if t.kind == "tags" {
		tm.DeleteTag(key)
	} else {
		tm.DeleteMetadata(key)
	}
	return true
}

func (t *tagsObject) Keys() []string {
	tm := t.tm()
	if t.kind == "tags" {
		tags := tm.Tags().Tags()
		out := make([]string, len(tags))
		for i, tg := range tags {
			out[i] = tg.Key
		}
		return out
	}
	m := tm.Metadata()
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
