package modules

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/grafana/sobek"
)

// Module is what an extension registers: a factory of per-VU instances.
type Module interface {
	// NewModuleInstance returns the module's instance for one VU. It is called
	// in the VU's init context, on the VU's goroutine.
	NewModuleInstance(vu VU) Instance
}

// Instance is a module's per-VU instance.
type Instance interface {
	// Exports returns what `import` sees: Default for `import x from`, Named
	// for `import {a} from`. When Named is empty and Default is an object,
	// its properties are the named exports.
	Exports() Exports
}

// Exports are a module instance's exported values. A value may be a Lazy,
// called when the script first reads that export.
type Exports struct {
	Default any
	Named   map[string]any
	// Table gives the named exports instead of Named, looked up one at a
	// time as the script reads them, so that a VU keeps no map of them
	// (see ExportTable). Named wins when both are set.
	Table NamedExports
}

// NamedExports gives a module instance's named exports by name.
type NamedExports interface {
	// Export returns the export name (a value as in Exports.Named).
	Export(name string) (any, bool)
	// Names lists the exports, sorted.
	Names() []string
}

// ExportTable is a module's named exports, listed once for all its
// instances of type T: each entry makes the export for an instance (a
// value, a Go function bound to it, or a Lazy). Keep it in a package
// variable and return Exports{Table: table.For(instance)}: a VU then pays
// for the exports its script reads, not for a map of all of them.
type ExportTable[T any] map[string]func(T) any

// For returns the named exports of inst.
func (t ExportTable[T]) For(inst T) NamedExports { return &tableExports[T]{t: t, inst: inst} }

type tableExports[T any] struct {
	t    ExportTable[T]
	inst T
}

func (e *tableExports[T]) Export(name string) (any, bool) {
	f, ok := e.t[name]
	if !ok {
		return nil, false
	}
	return f(e.inst), true
}

func (e *tableExports[T]) Names() []string {
	names := make([]string, 0, len(e.t))
	for k := range e.t {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Lazy is an export made when the script first reads it (by importing it
// or reading it from the namespace), at most once per VU: a VU pays only
// for the exports its script uses. Exports that must be the same object
// under two names (a named export and the default object's property)
// share one memoised maker.
type Lazy func() any

// Resolve returns v, or what it makes when v is a Lazy.
func Resolve(v any) any {
	if l, ok := v.(Lazy); ok {
		return l()
	}
	return v
}

// VU is what a module instance sees of the virtual user that runs it.
type VU interface {
	// Context is cancelled when the VU must stop (end of the run, or of the
	// iteration when it is interrupted).
	Context() context.Context
	// Runtime is the VU's JavaScript runtime. Only use it on the VU's goroutine
	// (or inside a callback scheduled with RegisterCallback).
	Runtime() *sobek.Runtime
	// InitEnv is non-nil only while the init context runs.
	InitEnv() *InitEnvironment
	// State is nil during init and non-nil while the VU runs setup, iterations
	// or teardown.
	State() *State
	// RegisterCallback reserves a slot on the VU's event loop for async work
	// (the iteration does not end until it is used). Call it on the VU's
	// goroutine; the returned enqueue function may be called once, from any
	// goroutine, with a function that then runs on the VU's goroutine.
	RegisterCallback() (enqueue func(func() error))
}

var (
	mu         sync.RWMutex
	registered = make(map[string]Module)
)

// Register makes mod importable as name. Only `k6/x/...` names are accepted
// and a name can be registered once; both mistakes panic, at program start
// (call Register from an init function).
func Register(name string, mod Module) {
	if !strings.HasPrefix(name, "k6/x/") {
		panic(fmt.Sprintf("modules.Register: extension name %q must start with \"k6/x/\"", name))
	}
	register(name, mod)
}

// RegisterBuiltin registers one of Stampede's built-in modules (`k6`,
// `k6/http`, ...). Extensions use Register.
func RegisterBuiltin(name string, mod Module) {
	if name != "k6" && !strings.HasPrefix(name, "k6/") {
		panic(fmt.Sprintf("modules.RegisterBuiltin: %q is not a k6 module name", name))
	}
	register(name, mod)
}

func register(name string, mod Module) {
	mu.Lock()
	defer mu.Unlock()
	if _, ok := registered[name]; ok {
		panic(fmt.Sprintf("modules: module %q is already registered", name))
	}
	registered[name] = mod
}

// Get returns the module registered as name, or nil.
func Get(name string) Module {
	mu.RLock()
	defer mu.RUnlock()
	return registered[name]
}

// Names returns every registered module name, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(registered))
	for n := range registered {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Unregister removes a module; only for tests that register throwaway modules.
func Unregister(name string) {
	mu.Lock()
	defer mu.Unlock()
	delete(registered, name)
}
