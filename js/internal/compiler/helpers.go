package compiler

import (
	"fmt"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/grafana/sobek"
)

// esbuild prepends to every file it converts to CommonJS the definitions of
// the interop helpers that file uses (__export, __toCommonJS, __toESM ...).
// Run per file and per VU they cost several KB and a few hundred
// allocations each. Compile strips them when they are exactly esbuild's
// definitions and every VU gets one shared set instead (the wrapper
// function's helper parameters), with cheaper __toESM and __toCommonJS:
// they return the module object itself instead of copying every export
// into a new object behind a getter. Reads through the result are the
// same; esbuild's copies only differ for code that mutates a namespace,
// which ES modules forbid.

// helperNames are the helpers shared per VU, in wrapper-parameter order.
var helperNames = []string{
	"__create", "__defProp", "__getOwnPropDesc", "__getOwnPropNames", "__getProtoOf",
	"__hasOwnProp", "__export", "__copyProps", "__toESM", "__toCommonJS",
}

// helpersSource evaluates to the helper functions, in helperNames order.
const helpersSource = `(function () {
  var __create = Object.create;
  var __defProp = Object.defineProperty;
  var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
  var __getOwnPropNames = Object.getOwnPropertyNames;
  var __getProtoOf = Object.getPrototypeOf;
  var __hasOwnProp = Object.prototype.hasOwnProperty;
  // Live bindings: each export is a getter of the module's local.
  var __export = function (target, all) {
    for (var name in all) __defProp(target, name, { get: all[name], enumerable: true });
  };
  var __copyProps = function (to, from, except) {
    if ((from && typeof from === "object") || typeof from === "function") {
      var keys = __getOwnPropNames(from);
      for (var i = 0; i < keys.length; i++) {
        var key = keys[i];
        if (!__hasOwnProp.call(to, key) && key !== except) {
          var desc = __getOwnPropDesc(from, key);
          __defProp(to, key, { get: (function (k) { return function () { return from[k]; }; })(key), enumerable: !desc || desc.enumerable });
        }
      }
    }
    return to;
  };
  // An ES module (or a k6 module namespace) is used as it is; a CommonJS
  // module gets "default" = module.exports in front of its properties.
  var __toESM = function (mod, isNodeMode) {
    if (!isNodeMode && mod && mod.__esModule) return mod;
    var target = mod != null ? __create(mod) : {};
    __defProp(target, "default", { value: mod, enumerable: true });
    return target;
  };
  var __toCommonJS = function (mod) {
    return __defProp(mod, "__esModule", { value: true });
  };
  return [__create, __defProp, __getOwnPropDesc, __getOwnPropNames, __getProtoOf,
    __hasOwnProp, __export, __copyProps, __toESM, __toCommonJS];
})()`

var (
	helpersOnce sync.Once
	helperDefs  map[string]string // esbuild's exact definition text, by name
	helpersPrg  *sobek.Program
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
		helpersPrg, helpersErr = sobek.Compile("stampede:helpers", helpersSource, false)
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

// stripHelpers removes esbuild's helper definitions that start code and
// match the known ones exactly, and returns the rest and the number of
// lines removed.
func stripHelpers(code string) (string, int) {
	learnHelpers()
	lines := 0
	for strings.HasPrefix(code, "var __") {
		def, ok := helperDefs[helperName(code)]
		if !ok || !strings.HasPrefix(code, def) {
			break
		}
		code = code[len(def):]
		lines += strings.Count(def, "\n")
	}
	return code, lines
}

// HelperValues returns the shared interop helpers for one runtime, in the
// order of the wrapper parameters after the CommonJS ones. Create them once
// per runtime and pass them to every module function.
func HelperValues(rt *sobek.Runtime) ([]sobek.Value, error) {
	learnHelpers()
	if helpersErr != nil {
		return nil, helpersErr
	}
	v, err := rt.RunProgram(helpersPrg)
	if err != nil {
		return nil, err
	}
	arr := v.ToObject(rt)
	out := make([]sobek.Value, len(helperNames))
	for i := range out {
		out[i] = arr.Get(fmt.Sprint(i))
	}
	return out, nil
}
