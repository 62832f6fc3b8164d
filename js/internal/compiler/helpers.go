package compiler

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/grafana/sobek"
)

// esbuild prepends to every file it converts to CommonJS the definitions of
// the interop helpers that file uses (__export, __toCommonJS, __toESM and
// the Object functions they build on). Run per file and per VU they cost
// about 10 KB and a few hundred allocations, and __toESM/__toCommonJS copy
// every export into a new object behind a new getter. So Transform strips
// the helper block when it is exactly esbuild's known definitions and the
// rest of the file calls only __export, __toCommonJS and __toESM; every VU
// passes native implementations of those three instead (HelperValues).
// __toESM and __toCommonJS return the module object itself rather than a
// copy: reads through it are the same, and ES modules forbid writes.

// helperNames are the helpers passed to every module function, in
// wrapper-parameter order.
var helperNames = []string{"__export", "__toCommonJS", "__toESM"}

var (
	helpersOnce sync.Once
	helperDefs  map[string]string // esbuild's exact definition text, by name
	helpersErr  error
)

func learnHelpers() {
	helpersOnce.Do(func() {
		helperDefs = make(map[string]string)
		for _, probe := range []string{
			`import x from "a"; import * as y from "b"; export default x; export const z = y;`,
			`import x from "a"; x();`,
			`export default 1;`,
		} {
			res := api.Transform(probe, api.TransformOptions{
				Format: api.FormatCommonJS, Loader: api.LoaderJS, Target: api.ESNext,
				Platform: api.PlatformNeutral, Supported: unsupported, Charset: api.CharsetUTF8,
			})
			if len(res.Errors) > 0 {
				helpersErr = fmt.Errorf("esbuild helper probe: %s", res.Errors[0].Text)
				return
			}
			for name, def := range splitHelpers(string(res.Code)) {
				helperDefs[name] = def
			}
		}
	})
}

// splitHelpers returns the leading `var __name = ...;` definitions of code.
func splitHelpers(code string) map[string]string {
	out := make(map[string]string)
	for strings.HasPrefix(code, "var __") {
		name := helperName(code)
		end := len(code)
		if i := strings.Index(code[1:], "\nvar "); i >= 0 {
			end = i + 2
		}
		out[name] = code[:end]
		code = code[end:]
	}
	return out
}

func helperName(code string) string {
	rest := strings.TrimPrefix(code, "var ")
	if i := strings.IndexAny(rest, " ="); i > 0 {
		return rest[:i]
	}
	return ""
}

// stripHelpers removes the known esbuild helper definitions that start code
// when the rest of the code uses no stripped helper but the provided ones. It returns the rest and the
// number of lines removed (0 and code unchanged otherwise).
func stripHelpers(code string) (string, int) {
	learnHelpers()
	if helpersErr != nil {
		return code, 0
	}
	rest := code
	var stripped []string
	for strings.HasPrefix(rest, "var __") {
		name := helperName(rest)
		def, ok := helperDefs[name]
		if !ok || !strings.HasPrefix(rest, def) {
			// Not a known helper (maybe the module's own "var __exports"):
			// the block ends here. An unknown helper left in place would
			// use stripped ones, which the check below catches.
			break
		}
		rest = rest[len(def):]
		stripped = append(stripped, name)
	}
	for _, name := range stripped {
		if !slices.Contains(helperNames, name) && strings.Contains(rest, name) {
			return code, 0
		}
	}
	return rest, strings.Count(code[:len(code)-len(rest)], "\n")
}

// HelperValues returns native __export, __toCommonJS and __toESM for rt, in
// the order of the wrapper parameters after the CommonJS ones. Create them
// once per runtime and pass them to every module function.
func HelperValues(rt *sobek.Runtime) ([]sobek.Value, error) {
	learnHelpers()
	if helpersErr != nil {
		return nil, helpersErr
	}
	// The exports objects __export has seen and __toCommonJS not yet: one
	// at a time while modules load (nested imports make a few), so a short
	// list rather than a map kept by every VU.
	type pending struct {
		target *sobek.Object
		me     *moduleExports
	}
	var lazy []pending
	export := func(call sobek.FunctionCall) sobek.Value {
		target := call.Argument(0).ToObject(rt)
		if get, ok := sobek.AssertFunction(call.Argument(1)); ok {
			// The form lazyExports writes: one function for every export.
			lazy = append(lazy, pending{target, &moduleExports{rt: rt, get: get, names: call.Argument(2)}})
			return sobek.Undefined()
		}
		all := call.Argument(1).ToObject(rt)
		for _, k := range all.Keys() {
			if err := target.DefineAccessorProperty(k, all.Get(k), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE); err != nil {
				panic(err)
			}
		}
		return sobek.Undefined()
	}
	toCommonJS := func(call sobek.FunctionCall) sobek.Value {
		mod := call.Argument(0).ToObject(rt)
		for i := range lazy {
			if lazy[i].target == mod {
				me := lazy[i].me
				lazy = append(lazy[:i], lazy[i+1:]...)
				if len(lazy) == 0 {
					lazy = nil
				}
				return rt.NewDynamicObject(me)
			}
		}
		if err := mod.DefineDataProperty("__esModule", rt.ToValue(true), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_FALSE); err != nil {
			panic(err)
		}
		return mod
	}
	toESM := func(call sobek.FunctionCall) sobek.Value {
		mod := call.Argument(0)
		obj, isObj := mod.(*sobek.Object)
		if isObj && !call.Argument(1).ToBoolean() {
			if m := obj.Get("__esModule"); m != nil && m.ToBoolean() {
				return obj
			}
		}
		var target *sobek.Object
		if isObj {
			target = rt.CreateObject(obj) // the CommonJS exports' properties, read through
		} else {
			target = rt.NewObject()
		}
		if err := target.DefineDataProperty("default", mod, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE); err != nil {
			panic(err)
		}
		return target
	}
	return []sobek.Value{rt.ToValue(export), rt.ToValue(toCommonJS), rt.ToValue(toESM)}, nil
}

// moduleExports is an ES module's exports object made by lazyExports' form:
// every read calls the module's one getter function, so bindings stay live.
// The export names are only turned into Go strings when enumerated or
// tested with `in`.
type moduleExports struct {
	rt    *sobek.Runtime
	get   sobek.Callable
	names sobek.Value // the export names: "a,b" (identifiers) or an array of strings
	keys  []string
	set   map[string]struct{}
}

func (m *moduleExports) load() {
	if m.set != nil {
		return
	}
	if s, ok := m.names.Export().(string); ok {
		m.keys = strings.Split(s, ",")
	} else if err := m.rt.ExportTo(m.names, &m.keys); err != nil {
		panic(err)
	}
	m.set = make(map[string]struct{}, len(m.keys))
	for _, k := range m.keys {
		m.set[k] = struct{}{}
	}
}

func (m *moduleExports) has(key string) bool {
	m.load()
	_, ok := m.set[key]
	return ok
}

func (m *moduleExports) Get(key string) sobek.Value {
	if key == "__esModule" {
		return m.rt.ToValue(true)
	}
	v, err := m.get(sobek.Undefined(), m.rt.ToValue(key))
	if err != nil {
		panic(err)
	}
	if sobek.IsUndefined(v) && !m.has(key) {
		return nil // not an export: inherited properties still resolve
	}
	return v
}

func (m *moduleExports) Set(string, sobek.Value) bool { return false }
func (m *moduleExports) Has(key string) bool          { return key == "__esModule" || m.has(key) }
func (m *moduleExports) Delete(string) bool           { return false }

func (m *moduleExports) Keys() []string {
	m.load()
	return m.keys
}
