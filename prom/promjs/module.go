package promjs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/sobek"
	promconfig "github.com/prometheus/common/config"
	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
	"github.com/stampede-load/stampede/prom"
)

func init() { modules.Register("k6/x/prom", New()) }

// QueryErrorsName is the counter of failed Prometheus calls.
const QueryErrorsName = "prom_query_errors"

// DefaultTimeout is the JS-visible default request timeout (prom.DefaultTimeout).
const DefaultTimeout = "10s"

// RootModule is the k6/x/prom module.
type RootModule struct{}

// New returns the k6/x/prom module.
func New() *RootModule { return &RootModule{} }

// ModuleInstance is one VU's k6/x/prom. Its methods run on the VU's goroutine.
type ModuleInstance struct {
	vu        modules.VU
	rt        *sobek.Runtime
	errMetric *metrics.Metric
	regErr    error
	ctor      *sobek.Object // Client, made on first use
	diffFn    sobek.Value   // diff, made on first use
	queries   *sobek.Object // DEFAULT_SNAPSHOT_QUERIES, made on first use
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*ModuleInstance)(nil)
)

// NewModuleInstance registers prom_query_errors; the exports are made when
// the script first reads them.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	mi := &ModuleInstance{vu: vu, rt: vu.Runtime()}
	if reg := registry(vu); reg != nil {
		mi.errMetric, mi.regErr = reg.NewMetric(QueryErrorsName, metrics.Counter)
	}
	return mi
}

// exports are the named exports; the default object has the first four.
var exports = modules.ExportTable[*ModuleInstance]{
	"Client":                   (*ModuleInstance).clientCtor,
	"diff":                     (*ModuleInstance).diffFunc,
	"DEFAULT_SNAPSHOT_QUERIES": (*ModuleInstance).defaultQueries,
	"DEFAULT_TIMEOUT":          func(*ModuleInstance) any { return DefaultTimeout },
	"metricNamesInQuery":       func(*ModuleInstance) any { return metricNamesInQuery },
	"suggestMetricNames":       func(*ModuleInstance) any { return suggestMetricNames },
}

func metricNamesInQuery(q string) []string { return nonNil(prom.MetricNamesInQuery(q)) }

func suggestMetricNames(name string, known []string, n sobek.Value) []string {
	limit := 3
	if n != nil && !sobek.IsUndefined(n) && !sobek.IsNull(n) {
		limit = int(n.ToInteger())
	}
	return nonNil(prom.SuggestMetricNames(name, known, limit))
}

// The exports shared by the named exports and the default object are made
// once, on first use.

func (mi *ModuleInstance) clientCtor() any {
	if mi.ctor == nil {
		mi.ctor = mi.rt.ToValue(mi.newClient).(*sobek.Object)
	}
	return mi.ctor
}

func (mi *ModuleInstance) diffFunc() any {
	if mi.diffFn == nil {
		mi.diffFn = mi.rt.ToValue(mi.diff)
	}
	return mi.diffFn
}

func (mi *ModuleInstance) defaultQueries() any {
	if mi.queries == nil {
		defaults := make([]any, len(prom.DefaultSnapshotQueries))
		for i, q := range prom.DefaultSnapshotQueries {
			defaults[i] = q
		}
		mi.queries = mi.rt.NewArray(defaults...)
	}
	return mi.queries
}

// defaultObject is the default export: Client, diff and the defaults.
func (mi *ModuleInstance) defaultObject() any {
	def := mi.rt.NewObject()
	for _, k := range []string{"Client", "diff", "DEFAULT_SNAPSHOT_QUERIES", "DEFAULT_TIMEOUT"} {
		_ = def.Set(k, exports[k](mi))
	}
	return def
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Exports returns Client, diff and the defaults, as named exports and as the default export.
func (mi *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{Default: modules.Lazy(mi.defaultObject), Table: exports.For(mi)}
}

func registry(vu modules.VU) *metrics.Registry {
	if env := vu.InitEnv(); env != nil {
		return env.Registry
	}
	if st := vu.State(); st != nil {
		return st.Registry
	}
	return nil
}

func (mi *ModuleInstance) logger() logrus.FieldLogger {
	if st := mi.vu.State(); st != nil && st.Logger != nil {
		return st.Logger
	}
	if env := mi.vu.InitEnv(); env != nil && env.Logger != nil {
		return env.Logger
	}
	l := logrus.New()
	l.SetLevel(logrus.PanicLevel)
	return l
}

// throwf panics with a JS TypeError.
func (mi *ModuleInstance) throwf(format string, args ...any) {
	panic(mi.rt.NewTypeError(fmt.Sprintf(format, args...)))
}

// client is the JS Client's Go side.
type client struct {
	mi *ModuleInstance
	c  *prom.Client
}

// newClient implements `new Client({url, bearerToken?, timeout?, headers?})`.
func (mi *ModuleInstance) newClient(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.rt
	if mi.regErr != nil {
		panic(rt.NewGoError(fmt.Errorf("prom: %w", mi.regErr)))
	}
	cfg, err := mi.parseConfig(call.Argument(0))
	if err != nil {
		panic(rt.NewGoError(err))
	}
	cfg.Logger = mi.logger()
	pc, err := sharedClient(registry(mi.vu), cfg)
	if err != nil {
		panic(rt.NewGoError(configError(err)))
	}
	c := &client{mi: mi, c: pc}
	this := call.This
	for name, fn := range map[string]any{
		"query":      c.query,
		"queryRange": c.queryRange,
		"scalar":     c.scalar,
		"snapshot":   c.snapshot,
		"diff":       mi.diff,
	} {
		_ = this.DefineDataProperty(name, rt.ToValue(fn), sobek.FLAG_FALSE, sobek.FLAG_TRUE, sobek.FLAG_FALSE)
	}
	_ = this.DefineDataProperty("url", rt.ToValue(pc.URL()), sobek.FLAG_FALSE, sobek.FLAG_TRUE, sobek.FLAG_TRUE)
	return this
}

// configError turns prom's joined validation errors into one line.
func configError(err error) error {
	var parts []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			parts = append(parts, strings.TrimPrefix(e.Error(), prom.ErrInvalidConfig.Error()+": "))
		}
	} else {
		parts = []string{strings.TrimPrefix(err.Error(), prom.ErrInvalidConfig.Error()+": ")}
	}
	return errors.New("prom: invalid client config: " + strings.Join(parts, "; "))
}

func (mi *ModuleInstance) parseConfig(v sobek.Value) (prom.Config, error) {
	var cfg prom.Config
	if modules.IsNullish(v) {
		return cfg, configError(prom.Config{}.Validate())
	}
	obj, ok := v.(*sobek.Object)
	if !ok {
		mi.throwf("prom: new Client(config): config must be an object such as {url: 'http://127.0.0.1:9090'}")
	}
	var problems []string
	for _, k := range obj.Keys() {
		switch k {
		case "url", "bearerToken", "timeout", "headers":
		default:
			problems = append(problems, fmt.Sprintf("option %q is unknown; known options: url, bearerToken, timeout, headers", k))
		}
	}
	if u := obj.Get("url"); !modules.IsNullish(u) {
		cfg.URL = u.String()
	}
	if t := obj.Get("bearerToken"); !modules.IsNullish(t) {
		cfg.BearerToken = promconfig.Secret(t.String())
	}
	cfg.Timeout = prom.DefaultTimeout
	if t := obj.Get("timeout"); !modules.IsNullish(t) {
		d, err := modules.DurationValue(t)
		if err != nil {
			problems = append(problems, "timeout: "+err.Error())
		} else {
			cfg.Timeout = d
		}
	}
	if h := obj.Get("headers"); !modules.IsNullish(h) {
		ho, ok := h.(*sobek.Object)
		if !ok || ho.ClassName() == "Array" {
			problems = append(problems, "headers must be an object such as {'X-Scope-OrgID': 'team-a'}")
		} else {
			cfg.Headers = make(map[string]string)
			for _, k := range ho.Keys() {
				cfg.Headers[k] = ho.Get(k).String()
			}
		}
	}
	err := cfg.Validate()
	if err != nil {
		err = configError(err)
		if len(problems) > 0 {
			err = fmt.Errorf("%w; %s", err, strings.Join(problems, "; "))
		}
		return cfg, err
	}
	if len(problems) > 0 {
		return cfg, errors.New("prom: invalid client config: " + strings.Join(problems, "; "))
	}
	return cfg, nil
}

// timeArg parses a time argument: a Date, Unix seconds (number or numeric
// string) or a date string Date.parse understands (RFC 3339 ...).
func (mi *ModuleInstance) timeArg(v sobek.Value, what string) time.Time {
	if v == nil {
		v = sobek.Undefined()
	}
	if o, ok := v.(*sobek.Object); ok && o.ClassName() == "Date" {
		if t, ok := o.Export().(time.Time); ok {
			return t
		}
	}
	switch x := v.Export().(type) {
	case int64:
		return time.Unix(x, 0)
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return unixSeconds(x)
		}
	case string:
		s := strings.TrimSpace(x)
		if f, err := strconv.ParseFloat(s, 64); err == nil && s != "" {
			return unixSeconds(f)
		}
		if parse, ok := sobek.AssertFunction(mi.rt.Get("Date").ToObject(mi.rt).Get("parse")); ok {
			if ms, err := parse(sobek.Undefined(), mi.rt.ToValue(s)); err == nil {
				if f := ms.ToFloat(); !math.IsNaN(f) {
					return time.UnixMilli(int64(f))
				}
			}
		}
	}
	mi.throwf("prom: %s %s is not a time; want a Date, Unix seconds or an RFC 3339 string", what, describe(v))
	return time.Time{}
}

func describe(v sobek.Value) string {
	if modules.IsNullish(v) {
		return v.String()
	}
	if s, ok := v.Export().(string); ok {
		return strconv.Quote(s)
	}
	return v.String()
}

func unixSeconds(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9)))
}

func toSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (c *client) ctx() context.Context { return c.mi.vu.Context() }

// fail reports a failed call: a warning once per (op, reason), a
// prom_query_errors sample; cancellations (the test stopping) are silent.
func (c *client) fail(err error) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		var qe *prom.QueryError
		if !errors.As(e, &qe) {
			panic(c.mi.rt.NewGoError(e))
		}
		if qe.Reason == prom.ReasonCanceled || c.ctx().Err() != nil {
			continue
		}
		if st := c.mi.vu.State(); st != nil && c.mi.errMetric != nil {
			tags := st.Tags.Tags().With("op", qe.Op).With("reason", string(qe.Reason))
			st.Samples.Add(metrics.Sample{Metric: c.mi.errMetric, Tags: tags, Time: time.Now(), Value: 1})
		}
		if c.c.WarnOnce(qe.Op + "\x00" + string(qe.Reason)) {
			c.mi.logger().Warnf("%s (further %s errors of this kind are only counted in %s)", qe.Error(), qe.Op, QueryErrorsName)
		}
	}
}

func (c *client) query(q string, opts sobek.Value) sobek.Value {
	rt := c.mi.rt
	var ts time.Time
	if o, ok := opts.(*sobek.Object); ok {
		if t := o.Get("time"); !modules.IsNullish(t) {
			ts = c.mi.timeArg(t, "time")
		}
	}
	res, err := c.c.Query(c.ctx(), q, ts)
	if err != nil {
		c.fail(err)
		return rt.NewArray()
	}
	out := make([]any, len(res))
	for i, s := range res {
		o := rt.NewObject()
		_ = o.Set("metric", c.labels(s.Metric))
		_ = o.Set("value", s.Value)
		_ = o.Set("timestamp", toSeconds(s.Timestamp))
		out[i] = o
	}
	return rt.NewArray(out...)
}

func (c *client) labels(m map[string]string) *sobek.Object {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	o := c.mi.rt.NewObject()
	for _, k := range keys {
		_ = o.Set(k, m[k])
	}
	return o
}

func (c *client) queryRange(q string, opts sobek.Value) sobek.Value {
	rt := c.mi.rt
	o, ok := opts.(*sobek.Object)
	if !ok {
		c.mi.throwf("prom: queryRange(query, {start, end, step}): the options object is required")
	}
	start := c.mi.timeArg(o.Get("start"), "start")
	end := c.mi.timeArg(o.Get("end"), "end")
	var step time.Duration
	if s := o.Get("step"); !modules.IsNullish(s) {
		d, err := modules.DurationValue(s)
		if err != nil {
			c.mi.throwf("prom: queryRange step: %v", err)
		}
		step = d
	}
	series, err := c.c.QueryRange(c.ctx(), q, start, end, step)
	if err != nil {
		c.fail(err)
		return rt.NewArray()
	}
	out := make([]any, len(series))
	for i, s := range series {
		vals := make([]any, len(s.Points))
		for j, p := range s.Points {
			vals[j] = rt.NewArray(toSeconds(p.T), p.V)
		}
		so := rt.NewObject()
		_ = so.Set("metric", c.labels(s.Metric))
		_ = so.Set("values", rt.NewArray(vals...))
		out[i] = so
	}
	return rt.NewArray(out...)
}

func (c *client) scalar(q string) float64 {
	v, err := c.c.Scalar(c.ctx(), q)
	if err != nil {
		c.fail(err)
		return math.NaN()
	}
	return v
}

func (c *client) snapshot(queries sobek.Value) sobek.Value {
	rt := c.mi.rt
	var names []string
	named := map[string]string{}
	switch {
	case modules.IsNullish(queries):
		for _, q := range prom.DefaultSnapshotQueries {
			names = append(names, q)
			named[q] = q
		}
	default:
		o, ok := queries.(*sobek.Object)
		if !ok {
			c.mi.throwf("prom: snapshot(queries): queries must be an array of PromQL expressions or an object {name: expression}")
		}
		if o.ClassName() == "Array" {
			for _, k := range o.Keys() {
				q := o.Get(k).String()
				if _, dup := named[q]; !dup {
					names = append(names, q)
				}
				named[q] = q
			}
		} else {
			for _, k := range o.Keys() {
				names = append(names, k)
				named[k] = o.Get(k).String()
			}
		}
	}
	snap, err := c.c.Snapshot(c.ctx(), named)
	if err != nil {
		c.fail(err)
	}
	out := rt.NewObject()
	for _, n := range names {
		_ = out.Set(n, snap[n])
	}
	return out
}

// diff implements diff(before, after): after - before per name, NaN where
// one side lacks it; after's names first, in its order.
func (mi *ModuleInstance) diff(before, after sobek.Value) sobek.Value {
	rt := mi.rt
	obj := func(v sobek.Value) *sobek.Object {
		if modules.IsNullish(v) {
			return rt.NewObject()
		}
		return v.ToObject(rt)
	}
	b, a := obj(before), obj(after)
	aKeys, bKeys := a.Keys(), map[string]bool{}
	for _, k := range b.Keys() {
		bKeys[k] = true
	}
	out := rt.NewObject()
	for _, k := range aKeys {
		if bKeys[k] {
			_ = out.Set(k, a.Get(k).ToFloat()-b.Get(k).ToFloat())
			delete(bKeys, k)
		} else {
			_ = out.Set(k, math.NaN())
		}
	}
	for _, k := range b.Keys() {
		if bKeys[k] {
			_ = out.Set(k, math.NaN())
		}
	}
	return out
}
