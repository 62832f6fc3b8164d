package js

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/internal/compiler"
	"github.com/stampede-load/stampede/js/internal/smallmap"
	"github.com/stampede-load/stampede/js/internal/vu"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

// VU is one virtual user: its own runtime with the script's init context
// run. It implements engine.InitializedVU. A VU runs on one goroutine at a time.
type VU struct {
	r        *Runner
	core     *vu.VU
	rt       *sobek.Runtime
	id       uint64
	idGlobal uint64

	modules smallmap.Map[*sobek.Object] // loaded file and jslib modules (module objects) by URL
	exports *sobek.Object               // the main script's exports
	fns     smallmap.Map[sobek.Callable]
	helpers []sobek.Value // esbuild interop helpers shared by the VU's modules

	requireFn, openFn sobek.Value
	frames            []sobek.StackFrame

	env        *envObject        // __ENV
	envChanged map[string]string // scenario env keys applied over __ENV

	state *modules.State

	// Setup data, parsed once per VU from the runner's JSON.
	setupJSON  []byte
	setupValue sobek.Value

	scenarioIters smallmap.Map[int64] // iterations started per scenario

	act          *activeVU
	vuIterations int64 // iterations started in the whole test
}

// newVU creates a VU and runs the init context.
func (r *Runner) newVU(ctx context.Context, id, idGlobal uint64) (*VU, error) {
	core := vu.New(ctx, r.logger)
	v := &VU{
		r:        r,
		core:     core,
		rt:       core.Runtime(),
		id:       id,
		idGlobal: idGlobal,
	}
	var opts *config.Options
	if r.configured {
		opts = &r.consolidated
	} else {
		opts = &r.options
	}
	core.SetInitEnv(&modules.InitEnvironment{
		Logger:         r.logger,
		FS:             r.fs,
		CWD:            r.refs.info(r.mainURL).dir,
		Registry:       r.registry,
		BuiltinMetrics: r.builtin,
		Env:            r.env,
		Options:        opts,
		Secrets:        r.secrets,
	})
	rt := v.rt
	v.env = &envObject{rt: rt, base: r.env, keys: r.envKeys}
	core.SetGlobal("__ENV", rt.NewDynamicObject(v.env))
	core.SetGlobal("__VU", rt.ToValue(id))
	core.SetGlobal("__ITER", rt.ToValue(0))
	core.SetGlobal("require", v.requireFunc())
	core.SetLazyGlobal("open", v.openFunc)

	var exports sobek.Value
	err := core.EventLoop().Start(func() error {
		var err error
		exports, err = v.load(specFile, r.mainURL)
		return err
	})
	if err != nil {
		core.EventLoop().WaitOnRegistered()
		return nil, scriptError(err)
	}
	obj, ok := exports.(*sobek.Object)
	if !ok {
		obj = rt.NewObject()
	}
	v.exports = obj
	v.frames = nil // init is over: only a rare later require or open needs it again
	return v, nil
}

// load runs the module at u (once per VU) and returns its exports.
func (v *VU) load(kind specKind, u *url.URL) (sobek.Value, error) {
	info := v.r.refs.info(u)
	key := info.key
	if m, ok := v.modules.Get(key); ok {
		return m.Get("exports"), nil
	}
	prg, opens, err := v.r.loader.program(kind, u, nil)
	if err != nil {
		return nil, err
	}
	rt := v.rt
	fnv, err := rt.RunProgram(prg)
	if err != nil {
		return nil, err
	}
	fn, ok := sobek.AssertFunction(fnv)
	if !ok {
		return nil, fmt.Errorf("internal error: module %s did not compile to a function", key)
	}
	if v.helpers == nil {
		if v.helpers, err = compiler.HelperValues(rt); err != nil {
			return nil, err
		}
	}
	module := rt.NewObject()
	exports := rt.NewObject()
	_ = module.Set("exports", exports)
	v.modules.Set(key, module)

	env := v.core.InitEnv()
	var prevCWD *url.URL
	if env != nil && kind == specFile {
		prevCWD = env.CWD
		env.CWD = info.dir
	}
	open := sobek.Undefined()
	if opens {
		open = v.openFunc()
	}
	args := make([]sobek.Value, 0, len(compiler.WrapperParams))
	args = append(args, module, exports, v.requireFunc(), open,
		rt.ToValue(info.filename), rt.ToValue(info.dirname))
	args = append(args, v.helpers...)
	_, err = fn(sobek.Undefined(), args...)
	if prevCWD != nil {
		env.CWD = prevCWD
	}
	if err != nil {
		v.modules.Delete(key)
		return nil, err
	}
	return module.Get("exports"), nil
}

func dirURL(u *url.URL) *url.URL {
	if u == nil || u.Scheme != "file" {
		return u
	}
	return &url.URL{Scheme: "file", Path: path.Dir(u.Path) + "/"}
}

// callerURL returns the URL of the module whose code called the running
// native function (require or open), or the main script's.
func (v *VU) callerURL() *url.URL {
	v.frames = v.rt.CaptureCallStack(0, v.frames[:0])
	for i := range v.frames {
		name := v.frames[i].SrcName()
		if name == "<native>" || name == "" {
			continue
		}
		if u := v.r.refs.caller(name); u != nil {
			return u
		}
		break
	}
	return v.r.mainURL
}

// requireFunc returns the VU's require function: it resolves relative
// specifiers against the calling module.
func (v *VU) requireFunc() sobek.Value {
	if v.requireFn != nil {
		return v.requireFn
	}
	v.requireFn = v.rt.ToValue(func(call sobek.FunctionCall) sobek.Value {
		spec := call.Argument(0)
		if sobek.IsUndefined(spec) || sobek.IsNull(spec) {
			panic(v.rt.NewTypeError("require() needs a module name"))
		}
		s := spec.String()
		var base *url.URL
		if !isBuiltin(s) {
			base = v.callerURL()
		}
		val, err := v.require(base, s)
		if err != nil {
			throw(v.rt, err)
		}
		return val
	})
	return v.requireFn
}

func (v *VU) require(base *url.URL, spec string) (sobek.Value, error) {
	kind, u, err := v.r.refs.resolve(base, spec)
	if err != nil {
		return nil, err
	}
	if kind == specBuiltin {
		return v.core.RequireBuiltin(spec)
	}
	if _, ok := v.modules.Get(v.r.refs.info(u).key); !ok && v.core.InitEnv() == nil {
		return nil, fmt.Errorf("cannot load %s outside the init context: import or require modules at the top level of the script", displayURL(u))
	}
	return v.load(kind, u)
}

// throw panics with err as a JavaScript exception (rethrowing exceptions
// from nested modules unchanged).
func throw(rt *sobek.Runtime, err error) {
	var ex *sobek.Exception
	if errors.As(err, &ex) {
		panic(ex)
	}
	panic(rt.NewGoError(err))
}

// openFunc returns the VU's open(path[, "b"]): path is relative to the
// calling module's directory.
func (v *VU) openFunc() sobek.Value {
	if v.openFn != nil {
		return v.openFn
	}
	v.openFn = v.rt.ToValue(func(call sobek.FunctionCall) sobek.Value {
		rt := v.rt
		if v.core.State() != nil {
			panic(rt.NewGoError(errors.New(`the "open()" function is only available in the init context (the global scope of the script), not in setup, teardown or iterations`)))
		}
		p := call.Argument(0)
		if sobek.IsUndefined(p) || p.String() == "" {
			panic(rt.NewTypeError("open() needs a file path"))
		}
		u, err := v.r.openURL(v.callerURL(), p.String())
		if err != nil {
			panic(rt.NewGoError(err))
		}
		data, err := v.r.loader.readFile(u)
		if err != nil {
			panic(rt.NewGoError(err))
		}
		mode := call.Argument(1)
		if !sobek.IsUndefined(mode) && mode.String() == "b" {
			return rt.ToValue(rt.NewArrayBuffer([]byte(data)))
		}
		if !sobek.IsUndefined(mode) && mode.String() != "" {
			panic(rt.NewTypeError(fmt.Sprintf("open(): unknown mode %q: use \"b\" for binary (ArrayBuffer) or leave it out for text", mode.String())))
		}
		return rt.ToValue(data)
	})
	return v.openFn
}

// openURL resolves open()'s path: relative to the calling module's directory
// (the main script's for modules that are not local files).
func (r *Runner) openURL(base *url.URL, p string) (*url.URL, error) {
	if strings.HasPrefix(p, "file://") {
		return url.Parse(p)
	}
	if strings.Contains(p, "://") {
		return nil, fmt.Errorf("open(%q): only local files can be opened", p)
	}
	if path.IsAbs(p) {
		return &url.URL{Scheme: "file", Path: path.Clean(p)}, nil
	}
	if base == nil || base.Scheme != "file" {
		base = r.mainURL
	}
	return &url.URL{Scheme: "file", Path: path.Join(path.Dir(base.Path), p)}, nil
}

// ID returns the VU's idInInstance.
func (v *VU) ID() uint64 { return v.id }

// fn returns the exported function name, or nil.
func (v *VU) fn(name string) sobek.Callable {
	if f, ok := v.fns.Get(name); ok {
		return f
	}
	f, ok := sobek.AssertFunction(v.exports.Get(name))
	if !ok {
		return nil
	}
	v.fns.Set(name, f)
	return f
}

// stringify is JSON.stringify(val) (nil for undefined).
func (v *VU) stringify(val sobek.Value) ([]byte, error) {
	if val == nil || sobek.IsUndefined(val) {
		return nil, nil
	}
	stringify, _ := sobek.AssertFunction(v.rt.Get("JSON").ToObject(v.rt).Get("stringify"))
	s, err := stringify(sobek.Undefined(), val)
	if err != nil {
		return nil, err
	}
	if sobek.IsUndefined(s) {
		return nil, nil
	}
	return []byte(s.String()), nil
}

// parseJSON is JSON.parse(data) in the VU's runtime.
func (v *VU) parseJSON(data []byte) (sobek.Value, error) {
	if len(data) == 0 {
		return sobek.Undefined(), nil
	}
	parse, _ := sobek.AssertFunction(v.rt.Get("JSON").ToObject(v.rt).Get("parse"))
	return parse(sobek.Undefined(), v.rt.ToValue(string(data)))
}

// setupData returns the VU's own copy of the setup data.
func (v *VU) setupData() (sobek.Value, error) {
	data := v.r.setupDataJSON()
	if v.setupValue != nil && string(data) == string(v.setupJSON) {
		return v.setupValue, nil
	}
	val, err := v.parseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("setup data: %w", err)
	}
	v.setupJSON, v.setupValue = data, val
	return val, nil
}

// applyEnv sets the scenario's env over __ENV, undoing the previous one.
func (v *VU) applyEnv(env map[string]string) {
	for k := range v.envChanged {
		v.env.reset(k)
	}
	clear(v.envChanged)
	for k, val := range env {
		if v.envChanged == nil {
			v.envChanged = make(map[string]string, len(env))
		}
		v.envChanged[k] = val
		v.env.Set(k, v.rt.ToValue(val))
	}
}

// newState returns the VU's run-time state writing samples to out.
func (v *VU) newState(out metrics.Ingester) *modules.State {
	r := v.r
	return &modules.State{
		Logger:         r.logger,
		Options:        &r.consolidated,
		Registry:       r.registry,
		BuiltinMetrics: r.builtin,
		Samples:        metrics.NewBuffer(out, vuBufferSize),
		Tags:           metrics.NewTagsAndMeta(r.baseTags),
		SystemTags:     r.systemTags,
		RPSLimiter:     r.rps,
		VUID:           v.id,
		VUIDGlobal:     v.idGlobal,
		Execution:      r.execution,
		Test:           r.test,
	}
}

// vuBufferSize is the number of samples a VU buffers before handing a batch
// over (it also hands them over at the end of every iteration): small enough
// that 10,000 VUs do not hold megabytes of empty buffers.
const vuBufferSize = 64
