package compiler

import (
	"errors"
	"strings"
	"testing"

	"github.com/grafana/sobek"
)

func runModule(t *testing.T, name, src string, l Loader) (*sobek.Runtime, *sobek.Object, error) {
	t.Helper()
	prg, err := Compile(name, src, l)
	if err != nil {
		return nil, nil, err
	}
	rt := sobek.New()
	fnv, err := rt.RunProgram(prg)
	if err != nil {
		t.Fatal(err)
	}
	fn, ok := sobek.AssertFunction(fnv)
	if !ok {
		t.Fatalf("program is not a function: %v", fnv)
	}
	module := rt.NewObject()
	exports := rt.NewObject()
	_ = module.Set("exports", exports)
	helpers, err := HelperValues(rt)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]sobek.Value{module, exports, sobek.Undefined(), sobek.Undefined(), sobek.Undefined(), sobek.Undefined()}, helpers...)
	_, err = fn(sobek.Undefined(), args...)
	return rt, module, err
}

func TestErrorPositions(t *testing.T) {
	tests := []struct {
		name, file, src, want string
		loader                Loader
	}{
		{"js first line", "file:///a/s.js", "throw new Error('boom');\n", "file:///a/s.js:1:7", JS},
		{"esm", "file:///a/s.js", "export const a = 1;\nfunction f() {}\n\n  f().foo;\n", "file:///a/s.js:4:7", JS},
		{"ts", "file:///a/s.ts", "interface A { x: number }\ntype B = string;\nconst a: A = { x: 1 };\nfunction f(v: B): never {\n  throw new Error(v);\n}\nf('boom');\n", "file:///a/s.ts:5:9", TS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src
			_, _, err := runModule(t, tc.file, src, tc.loader)
			if err == nil {
				t.Fatal("no error")
			}
			var ex *sobek.Exception
			msg := err.Error()
			if e, ok := err.(*sobek.Exception); ok {
				ex = e
				msg = ex.String()
			}
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("error %q does not contain %q", msg, tc.want)
			}
		})
	}
}

func TestSyntaxSupport(t *testing.T) {
	src := `
class A { #p = 1; static s = 2; get p() { return this.#p } }
const o = { a: 1, ...{ b: 2 } };
const c = o?.x ?? 3;
let d = null; d ??= 4; d ||= 5; d &&= 6;
const big = 1_000n;
async function f() { for await (const x of [1]) {} }
async function* g() { yield 1; }
const { a, ...rest } = o;
label: for (const i of [1]) { break label; }
const r = /(\d{4})/u.exec("2024")[1];
module.exports = [new A().p, A.s, o.b, c, d, String(big), rest.b, r, [1,2].at(-1), Object.hasOwn(o, 'a')].join(',');
`
	_, m, err := runModule(t, "file:///s.js", src, JS)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Get("exports").String(); got != "1,2,2,3,6,1000,2,2024,2,true" {
		t.Fatal(got)
	}
}

func TestHelperStripping(t *testing.T) {
	tests := []struct {
		name, src string
		stripped  bool
	}{
		{"exports and imports", `import a from "x"; import * as b from "y"; import { c } from "z"; export const d = a + b + c; export default 1;`, true},
		{"commonjs has no helpers", `module.exports = require("x");`, false},
		{"re-export needs esbuild's own helpers", `export * from "./x.js"; export const y = 1;`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, err := Transform("file:///a.js", tc.src, JS)
			if err != nil {
				t.Fatal(err)
			}
			has := strings.Contains(code, "var __defProp")
			if tc.stripped && has {
				t.Fatalf("helpers not stripped:\n%s", code)
			}
			if tc.name == "re-export needs esbuild's own helpers" && !has {
				t.Fatalf("helpers stripped although __reExport needs them:\n%s", code)
			}
		})
	}
}

func TestReExportRuns(t *testing.T) {
	src := "export * from \"./x.js\";\nexport const own = 1;\n"
	prg, err := Compile("file:///a.js", src, JS)
	if err != nil {
		t.Fatal(err)
	}
	rt := sobek.New()
	fnv, _ := rt.RunProgram(prg)
	fn, _ := sobek.AssertFunction(fnv)
	helpers, _ := HelperValues(rt)
	module := rt.NewObject()
	_ = module.Set("exports", rt.NewObject())
	req := rt.ToValue(func(string) map[string]any { return map[string]any{"fromX": 2} })
	args := append([]sobek.Value{module, module.Get("exports"), req, sobek.Undefined(), sobek.Undefined(), sobek.Undefined()}, helpers...)
	if _, err := fn(sobek.Undefined(), args...); err != nil {
		t.Fatal(err)
	}
	ex := module.Get("exports").ToObject(rt)
	if ex.Get("own").ToInteger() != 1 || ex.Get("fromX").ToInteger() != 2 {
		t.Fatalf("exports = %v", ex.Keys())
	}
}

func TestTransformErrors(t *testing.T) {
	_, err := Transform("file:///a.js", "const x = await 1;\n", JS)
	if err == nil || !strings.Contains(err.Error(), "file:///a.js:1:11: top-level await is not supported") {
		t.Fatalf("err = %v", err)
	}
	_, err = Transform("file:///a.ts", "let x: = 1;", TS)
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 1 {
		t.Fatalf("err = %v", err)
	}
}

func TestHelperStrippingURLNames(t *testing.T) {
	// esbuild names the exports object "__exports" for this file name; that
	// is not a helper and must not stop the stripping.
	code, err := Transform("https://jslib.k6.io/k6-utils/1.4.0/index.js", "export const a = 1;", JS)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(code, "var __defProp") || !strings.Contains(code, "case \"a\": return a;") {
		t.Fatalf("not stripped:\n%s", code)
	}
}

// The export names are one string constant when they are identifiers (no
// array per VU), an array when one is a quoted string; both list the same
// keys.
func TestLazyExportNames(t *testing.T) {
	for _, tc := range []struct {
		src, form, keys string
	}{
		{"export const a = 1; export function b() {}; export default 3;", `"a,b,default"`, "a|b|default"},
		{`const x = 1; export { x as "a,b" }; export const c = 2;`, `["a,b", "c"]`, "a,b|c"},
	} {
		code, err := Transform("file:///a.js", tc.src, JS)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(code, "} }, "+tc.form+");") {
			t.Fatalf("names not in the form %s:\n%s", tc.form, code)
		}
		_, m, err := runModule(t, "file:///a.js", tc.src, JS)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(m.Get("exports").ToObject(nil).Keys(), "|"); got != tc.keys {
			t.Fatalf("keys %q, want %q", got, tc.keys)
		}
	}
}
