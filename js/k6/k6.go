package k6

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

func init() { modules.RegisterBuiltin("k6", New()) }

// RootModule is the `k6` module.
type RootModule struct{}

// New returns the `k6` module.
func New() *RootModule { return &RootModule{} }

// NewModuleInstance returns the module's instance for one VU.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance { return &K6{vu: vu} }

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*K6)(nil)
)

// K6 is the `k6` module of one VU.
type K6 struct {
	vu modules.VU
}

// Exports returns check, group, sleep, fail and randomSeed.
func (k *K6) Exports() modules.Exports { return modules.Exports{Table: exports.For(k)} }

var exports = modules.ExportTable[*K6]{
	"check":      func(k *K6) any { return k.check },
	"group":      func(k *K6) any { return k.group },
	"sleep":      func(k *K6) any { return k.sleep },
	"fail":       func(k *K6) any { return k.fail },
	"randomSeed": func(k *K6) any { return k.randomSeed },
}

func (k *K6) state(fn string) *modules.State {
	st := k.vu.State()
	if st == nil {
		panic(k.vu.Runtime().NewGoError(fmt.Errorf("using %s() in the init context is not supported: call it in the default function, setup() or teardown()", fn)))
	}
	return st
}

// check(val, sets[, tags]) runs each check of sets (a function of val or a
// value taken for its truthiness), emits one `checks` sample per check with
// the `check` tag, and returns whether all passed. A check function that
// throws stops check() and rethrows.
func (k *K6) check(call sobek.FunctionCall) sobek.Value {
	rt := k.vu.Runtime()
	st := k.state("check")
	val := call.Argument(0)
	setsV := call.Argument(1)
	if sobek.IsUndefined(setsV) || sobek.IsNull(setsV) {
		panic(rt.NewTypeError("check() needs an object of checks as its second argument"))
	}
	sets := setsV.ToObject(rt)
	var extra map[string]string
	if t := call.Argument(2); !sobek.IsUndefined(t) && !sobek.IsNull(t) {
		extra = tagsFromObject(rt, t.ToObject(rt), "check()")
	}
	base := st.Tags.Tags().WithMap(extra)
	meta := st.Tags.Metadata()
	now := time.Now()
	all := true
	tagCheck := st.SystemTags["check"]
	for _, name := range sets.Keys() {
		if strings.Contains(name, "::") {
			panic(rt.NewGoError(fmt.Errorf("check name %q must not contain \"::\"", name)))
		}
		v := sets.Get(name)
		if fn, ok := sobek.AssertFunction(v); ok {
			res, err := fn(sobek.Undefined(), val)
			if err != nil {
				panic(err)
			}
			v = res
		}
		ok := v.ToBoolean()
		tags := base
		if tagCheck {
			tags = tags.With("check", name)
		}
		value := 0.0
		if ok {
			value = 1
		} else {
			all = false
		}
		st.Samples.Add(metrics.Sample{Metric: st.BuiltinMetrics.Checks, Tags: tags, Metadata: meta, Time: now, Value: value})
	}
	return rt.ToValue(all)
}

// group(name, fn) runs fn in the group name (nested groups as "::a::b"),
// sets the `group` tag meanwhile, emits `group_duration` and returns fn's
// result. As in k6, async functions are rejected.
func (k *K6) group(call sobek.FunctionCall) sobek.Value {
	rt := k.vu.Runtime()
	st := k.state("group")
	name := call.Argument(0).String()
	if name == "" || sobek.IsUndefined(call.Argument(0)) {
		panic(rt.NewTypeError("group() needs a name"))
	}
	if strings.Contains(name, "::") {
		panic(rt.NewGoError(fmt.Errorf("group name %q must not contain \"::\"", name)))
	}
	fnV := call.Argument(1)
	fn, ok := sobek.AssertFunction(fnV)
	if !ok {
		panic(rt.NewTypeError("group() needs a function as its second argument"))
	}
	if isAsync(rt, fnV) {
		panic(rt.NewGoError(errors.New("group() does not support async functions as arguments: the group would end before the awaited work; use a plain function, or tag requests yourself")))
	}
	prevGroup := st.Group
	prevTags := st.Tags.Tags()
	st.Group = prevGroup + "::" + name
	tagGroup := st.SystemTags["group"]
	if tagGroup {
		st.Tags.SetTag("group", st.Group)
	}
	start := time.Now()
	defer func() {
		end := time.Now()
		tags := st.Tags.Tags()
		meta := st.Tags.Metadata()
		st.Group = prevGroup
		if tagGroup {
			if g, ok := prevTags.Get("group"); ok {
				st.Tags.SetTag("group", g)
			} else {
				st.Tags.DeleteTag("group")
			}
		}
		st.Samples.Add(metrics.Sample{
			Metric: st.BuiltinMetrics.GroupDuration, Tags: tags, Metadata: meta, Time: end,
			Value: float64(end.Sub(start)) / float64(time.Millisecond),
		})
	}()
	ret, err := fn(sobek.Undefined())
	if err != nil {
		panic(err)
	}
	return ret
}

func isAsync(rt *sobek.Runtime, fn sobek.Value) bool {
	o, ok := fn.(*sobek.Object)
	if !ok {
		return false
	}
	proto := o.Prototype()
	if proto == nil {
		return false
	}
	c := proto.Get("constructor")
	if c == nil {
		return false
	}
	co, ok := c.(*sobek.Object)
	return ok && co.Get("name") != nil && co.Get("name").String() == "AsyncFunction"
}

// sleep(seconds) blocks the VU for seconds (fractions allowed, the argument
// converted as JavaScript's ToNumber); it returns early when the VU's context
// ends. It is a plain native function, not a func(float64) that sobek would
// call through reflection: the reflective call's frames kept more than a
// quarter of a sleeping VU's 16 KB stack in use, so the runtime never shrank
// it; without them sleeping VUs' stacks shrink to 8 KB at each collection
// (1,000 VUs: 16.9 -> 9.7 MB of stacks).
func (k *K6) sleep(call sobek.FunctionCall) sobek.Value {
	k.pause(call.Argument(0).ToFloat())
	return sobek.Undefined()
}

// pause is sleep's body.
func (k *K6) pause(secs float64) {
	if secs != secs || secs <= 0 { // NaN or not positive
		return
	}
	d := time.Duration(secs * float64(time.Second))
	if st := k.vu.State(); st != nil && st.Samples != nil {
		// Hand the samples so far to the metrics engine instead of holding
		// them through the pause: thresholds see them sooner, and a
		// sleeping VU holds no batch (at 10,000 VUs, ~40 MB).
		st.Samples.Flush()
	}
	ctx := k.vu.Context()
	t := time.NewTimer(d)
	defer t.Stop()
	if ctx == nil {
		<-t.C
		return
	}
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// fail(msg) throws an error with msg, failing the iteration.
func (k *K6) fail(call sobek.FunctionCall) sobek.Value {
	msg := ""
	if a := call.Argument(0); !sobek.IsUndefined(a) {
		msg = a.String()
	}
	panic(k.vu.Runtime().NewGoError(errors.New(msg)))
}

// randomSeed(n) makes the VU's Math.random() a deterministic sequence.
func (k *K6) randomSeed(seed int64) {
	r := rand.New(rand.NewSource(seed)) //nolint:gosec // reproducible Math.random, as k6
	k.vu.Runtime().SetRandSource(r.Float64)
}

// tagsFromObject reads a tags argument: string, number and boolean values
// become strings; anything else is a TypeError.
func tagsFromObject(rt *sobek.Runtime, o *sobek.Object, fn string) map[string]string {
	keys := o.Keys()
	if len(keys) == 0 {
		return nil
	}
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		v := o.Get(k)
		switch v.Export().(type) {
		case string, int64, float64, bool:
			m[k] = v.String()
		default:
			panic(rt.NewTypeError(fmt.Sprintf("%s: tag %q has a value of an unsupported type (%s): use a string, number or boolean", fn, k, v.String())))
		}
	}
	return m
}
