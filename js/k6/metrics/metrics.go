package metrics

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

func init() { modules.RegisterBuiltin("k6/metrics", New()) }

// RootModule is the `k6/metrics` module.
type RootModule struct{}

// New returns the `k6/metrics` module.
func New() *RootModule { return &RootModule{} }

// NewModuleInstance returns the module's instance for one VU.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance { return &Metrics{vu: vu} }

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*Metrics)(nil)
)

// Metrics is the `k6/metrics` module of one VU.
type Metrics struct {
	vu      modules.VU
	ctors   map[metrics.MetricType]*sobek.Object
	classes map[metrics.MetricType]*modules.Class[metricObject]
}

// Exports returns the Counter, Gauge, Rate and Trend constructors, each
// made when the script first reads it.
func (m *Metrics) Exports() modules.Exports { return modules.Exports{Table: exports.For(m)} }

var exports = func() modules.ExportTable[*Metrics] {
	t := make(modules.ExportTable[*Metrics], len(typeNames))
	for typ, name := range typeNames {
		t[name] = func(m *Metrics) any { return m.constructor(typ) }
	}
	return t
}()

var typeNames = map[metrics.MetricType]string{metrics.Counter: "Counter", metrics.Gauge: "Gauge", metrics.Rate: "Rate", metrics.Trend: "Trend"}

// metricObject is the Go side of a metric object.
type metricObject struct {
	m      *Metrics
	metric *metrics.Metric
}

// metricSpecs are the shapes of metric objects, one per type (for the
// class name in errors): a read-only name and add().
var metricSpecs = func() map[metrics.MetricType]*modules.ClassSpec[metricObject] {
	specs := make(map[metrics.MetricType]*modules.ClassSpec[metricObject], len(typeNames))
	for t, name := range typeNames {
		specs[t] = &modules.ClassSpec[metricObject]{
			Name:  name,
			Props: []string{"name"},
			Prop: func(o metricObject, _ string) sobek.Value {
				return o.m.vu.Runtime().ToValue(o.metric.Name)
			},
			Methods: map[string]func(metricObject, sobek.FunctionCall) sobek.Value{
				"add": func(o metricObject, call sobek.FunctionCall) sobek.Value { return o.m.add(o.metric, call) },
			},
		}
	}
	return specs
}()

// constructor returns the JavaScript constructor `new X(name, isTime)`: it
// registers the metric (init context only) and returns an object with
// `name` and `add` that is an instance of X.
func (m *Metrics) constructor(t metrics.MetricType) *sobek.Object {
	if ctor, ok := m.ctors[t]; ok {
		return ctor
	}
	rt := m.vu.Runtime()
	var ctor *sobek.Object
	ctor = rt.ToValue(func(call sobek.ConstructorCall) *sobek.Object {
		// Called without new on an object (M.Counter("x")), sobek passes that
		// object as this: refuse rather than decorate it.
		if !inherits(call.This, ctor.Get("prototype")) {
			panic(rt.NewTypeError(fmt.Sprintf("%s is a constructor: use new %s(name)", typeNames[t], typeNames[t])))
		}
		return m.construct(t, call)
	}).ToObject(rt)
	class := modules.NewClass(rt, metricSpecs[t])
	if proto, ok := ctor.Get("prototype").(*sobek.Object); ok {
		class.SetPrototype(proto)
	}
	if m.classes == nil {
		m.ctors = make(map[metrics.MetricType]*sobek.Object, len(typeNames))
		m.classes = make(map[metrics.MetricType]*modules.Class[metricObject], len(typeNames))
	}
	m.ctors[t], m.classes[t] = ctor, class
	return ctor
}

// inherits reports whether proto is on o's prototype chain.
func inherits(o *sobek.Object, proto sobek.Value) bool {
	for p := o.Prototype(); p != nil; p = p.Prototype() {
		if p == proto {
			return true
		}
	}
	return false
}

// construct registers the metric and returns its object.
func (m *Metrics) construct(t metrics.MetricType, call sobek.ConstructorCall) *sobek.Object {
	rt := m.vu.Runtime()
	env := m.vu.InitEnv()
	if env == nil {
		panic(rt.NewGoError(fmt.Errorf("new %s(): metrics must be declared in the init context (outside of the exported functions)", typeNames[t])))
	}
	nameV := call.Argument(0)
	if sobek.IsUndefined(nameV) || sobek.IsNull(nameV) {
		panic(rt.NewTypeError(fmt.Sprintf("new %s() needs a metric name", typeNames[t])))
	}
	name := nameV.String()
	vt := metrics.Default
	if call.Argument(1).ToBoolean() {
		vt = metrics.Time
	}
	metric, err := env.Registry.NewMetric(name, t, vt)
	if err != nil {
		panic(rt.NewGoError(fmt.Errorf("new %s(%q): %w", typeNames[t], name, err)))
	}
	return m.classes[t].New(metricObject{m: m, metric: metric})
}

func must(rt *sobek.Runtime, err error) {
	if err != nil {
		panic(rt.NewGoError(err))
	}
}

// errNotANumber is thrown (with options.throw) or logged for values that are
// not numbers.
var errNotANumber = errors.New("the value is not a number")

// add(value, tags) emits one sample: booleans count as 1 and 0, tags are
// merged over the VU's current tags. It returns true, or false when the
// value is not a number (an error with options.throw, else a warning).
func (m *Metrics) add(metric *metrics.Metric, call sobek.FunctionCall) sobek.Value {
	rt := m.vu.Runtime()
	st := m.vu.State()
	if st == nil {
		panic(rt.NewGoError(fmt.Errorf("%s.add(): adding to metrics in the init context is not supported", metric.Name)))
	}
	raw := call.Argument(0)
	v := raw.ToFloat()
	if math.IsNaN(v) || math.IsInf(v, 0) || sobek.IsUndefined(raw) || sobek.IsNull(raw) {
		err := fmt.Errorf("%s.add(%s): %w", metric.Name, raw.String(), errNotANumber)
		if st.Options != nil && st.Options.Throw != nil && *st.Options.Throw {
			panic(rt.NewTypeError(err.Error()))
		}
		st.Logger.Warn(err.Error())
		return rt.ToValue(false)
	}
	tags := st.Tags.Tags()
	if t := call.Argument(1); !sobek.IsUndefined(t) && !sobek.IsNull(t) {
		extra, err := tagMap(t.ToObject(rt))
		if err != nil {
			panic(rt.NewTypeError(fmt.Sprintf("%s.add(): %v", metric.Name, err)))
		}
		tags = tags.WithMap(extra)
	}
	st.Samples.Add(metrics.Sample{Metric: metric, Tags: tags, Metadata: st.Tags.Metadata(), Time: time.Now(), Value: v})
	return rt.ToValue(true)
}

// tagMap reads a tags object: string, number and boolean values become strings.
func tagMap(o *sobek.Object) (map[string]string, error) {
	keys := o.Keys()
	if len(keys) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		v := o.Get(k)
		switch v.Export().(type) {
		case string, int64, float64, bool:
			out[k] = v.String()
		default:
			return nil, fmt.Errorf("tag %q has a value of an unsupported type (%s): use a string, number or boolean", k, v.String())
		}
	}
	return out, nil
}
