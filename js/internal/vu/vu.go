package vu

import (
	"context"
	"fmt"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/js/eventloop"
	"github.com/stampede-load/stampede/js/internal/smallmap"
	_ "github.com/stampede-load/stampede/js/k6/timers" // the timer globals
	"github.com/stampede-load/stampede/js/modules"
)

// VU is one virtual user's JavaScript environment. It implements modules.VU.
// Everything but Context/SetContext must be used on the VU's goroutine.
type VU struct {
	rt   *sobek.Runtime
	loop *eventloop.EventLoop
	ctx  context.Context

	initEnv *modules.InitEnvironment
	state   *modules.State

	logger  logrus.FieldLogger
	modules smallmap.Map[*sobek.Object] // module namespace objects, per VU
	globals *globals
}

var _ modules.VU = (*VU)(nil)

// New returns a VU with a fresh runtime, its event loop, the console (logging
// to logger) and the timer globals. ctx is the VU's context until SetContext.
func New(ctx context.Context, logger logrus.FieldLogger) *VU {
	rt := sobek.New()
	rt.SetFieldNameMapper(FieldNameMapper{})
	v := &VU{
		rt:     rt,
		loop:   eventloop.New(rt),
		ctx:    ctx,
		logger: logger,
	}
	v.installGlobals()
	return v
}

// Context returns the VU's current context.
func (v *VU) Context() context.Context { return v.ctx }

// SetContext sets the context Context returns (per activation or iteration).
func (v *VU) SetContext(ctx context.Context) { v.ctx = ctx }

// Runtime returns the VU's JavaScript runtime.
func (v *VU) Runtime() *sobek.Runtime { return v.rt }

// EventLoop returns the VU's event loop.
func (v *VU) EventLoop() *eventloop.EventLoop { return v.loop }

// InitEnv returns the init environment, nil once the VU runs.
func (v *VU) InitEnv() *modules.InitEnvironment { return v.initEnv }

// SetInitEnv sets the init environment (the VU is in its init context).
func (v *VU) SetInitEnv(env *modules.InitEnvironment) { v.initEnv = env }

// State returns the run-time state, nil during init.
func (v *VU) State() *modules.State { return v.state }

// MoveToVUContext ends the init context: InitEnv becomes nil and State is state.
func (v *VU) MoveToVUContext(state *modules.State) {
	v.initEnv = nil
	v.state = state
}

// SetLogger sets the logger the console writes to (the VU's base logger).
func (v *VU) SetLogger(l logrus.FieldLogger) { v.logger = l }

// Logger returns the VU's base logger.
func (v *VU) Logger() logrus.FieldLogger { return v.logger }

// RegisterCallback reserves a slot on the VU's event loop.
func (v *VU) RegisterCallback() func(func() error) { return v.loop.RegisterCallback() }

// RequireBuiltin returns the VU's namespace object of the registered module
// name, instantiating the module on first use. The namespace has the module's
// named exports as properties, `default` (the default export, or the
// namespace itself when the module has none) and a non-enumerable
// `__esModule` marker, so both `import x from` and `import {a} from` work on
// the CommonJS that esbuild emits.
func (v *VU) RequireBuiltin(name string) (*sobek.Object, error) {
	if ns, ok := v.modules.Get(name); ok {
		return ns, nil
	}
	mod := modules.Get(name)
	if mod == nil {
		return nil, fmt.Errorf("unknown module %q: it is neither a built-in k6 module nor a registered extension", name)
	}
	return v.Instantiate(name, mod.NewModuleInstance(v))
}

// Instantiate turns a module instance into the VU's namespace object for name
// and caches it, so later RequireBuiltin(name) calls return it. Exports are
// converted to JavaScript values when the script first reads them.
func (v *VU) Instantiate(name string, inst modules.Instance) (*sobek.Object, error) {
	ns := newNamespace(v.rt, inst.Exports())
	v.modules.Set(name, ns)
	return ns, nil
}

// globals lazily provides the global functions every VU has (console and
// the timers) as the prototype of the global object: a VU creates their
// function objects only when its script uses them. It also holds the
// variables the runner sets (SetGlobal). Assigning one of them defines an
// own property of the global object, as for any global.
type globals struct {
	v    *VU
	vars smallmap.Map[globalVar] // set by SetGlobal and SetLazyGlobal
}

type globalVar struct {
	val  sobek.Value
	lazy func() sobek.Value // SetLazyGlobal's maker, until first read
}

// SetGlobal makes key a global variable of the VU's script with value val
// (__ENV, __VU, __ITER, require...), or changes its value. It is kept on
// the global object's prototype rather than as the global object's own
// property: sobek's global object is a template of its builtins, and its
// first own property copies the names of all of them into every VU's
// global object (~1 KB). A script's own assignment to key defines an own
// property of the global object, which then hides this value.
func (v *VU) SetGlobal(key string, val sobek.Value) {
	v.globals.vars.Set(key, globalVar{val: val})
}

// SetLazyGlobal is SetGlobal with the value made by mk when the script
// first reads key (a function most scripts never use: open).
func (v *VU) SetLazyGlobal(key string, mk func() sobek.Value) {
	v.globals.vars.Set(key, globalVar{lazy: mk})
}

var globalKeys = []string{"console", "setTimeout", "clearTimeout", "setInterval", "clearInterval"}

func (g *globals) Get(key string) sobek.Value {
	if gv, ok := g.vars.Get(key); ok {
		if gv.lazy != nil {
			gv = globalVar{val: gv.lazy()}
			g.vars.Set(key, gv)
		}
		return gv.val
	}
	switch key {
	case "console":
		c := g.v.rt.NewDynamicObject(&console{v: g.v})
		g.define(key, c)
		return c
	case "setTimeout", "clearTimeout", "setInterval", "clearInterval":
		ns, err := g.v.RequireBuiltin("k6/timers")
		if err != nil {
			panic(g.v.rt.NewGoError(err))
		}
		f := ns.Get(key)
		g.define(key, f)
		return f
	}
	return nil
}

// define makes key an own (writable, configurable, non-enumerable) property
// of the global object, so later reads do not come back here.
func (g *globals) define(key string, val sobek.Value) {
	_ = g.v.rt.GlobalObject().DefineDataProperty(key, val, sobek.FLAG_TRUE, sobek.FLAG_TRUE, sobek.FLAG_FALSE)
}

func (g *globals) Set(key string, val sobek.Value) bool {
	g.define(key, val)
	return true
}

func (g *globals) Has(key string) bool {
	if _, ok := g.vars.Get(key); ok {
		return true
	}
	for _, k := range globalKeys {
		if k == key {
			return true
		}
	}
	return false
}

func (g *globals) Delete(string) bool { return true }
func (g *globals) Keys() []string     { return nil }

func (v *VU) installGlobals() {
	v.globals = &globals{v: v}
	if err := v.rt.GlobalObject().SetPrototype(v.rt.NewDynamicObject(v.globals)); err != nil {
		panic(err)
	}
}
