package compiler

import (
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
