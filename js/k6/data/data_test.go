package data

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stampede-load/stampede/js/modulestest"
	"github.com/stampede-load/stampede/metrics"
)

// newVU returns a test VU in the init context of the test run whose metrics
// registry is run (VUs of one run share their SharedArrays).
func newVU(t testing.TB, run *metrics.Registry) *modulestest.Runtime {
	t.Helper()
	rt := modulestest.New(t)
	rt.InitEnv.Registry = run
	return rt
}

func eval(t testing.TB, rt *modulestest.Runtime, src string) string {
	t.Helper()
	v, err := rt.RunScript(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return v.String()
}

const fixture = `const { SharedArray } = require("k6/data");
const arr = new SharedArray("fixture", () => [1, "two", { three: [3, { four: 4 }] }, null, undefined, true]);
`

func TestSharedArrayReads(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"length", `arr.length`, "6"},
		{"is an array", `Array.isArray(arr) && arr instanceof Array`, "true"},
		{"elements", `JSON.stringify([arr[0], arr[1], arr[2], arr[3], arr[4], arr[5]])`, `[1,"two",{"three":[3,{"four":4}]},null,null,true]`},
		{"out of range", `String(arr[6]) + String(arr[-1]) + String(arr[1e9])`, "undefinedundefinedundefined"},
		{"for-of", `let s = []; for (const x of arr) s.push(JSON.stringify(x)); s.join("|")`, `1|"two"|{"three":[3,{"four":4}]}|null|null|true`},
		{"for-in indexes", `Object.keys(arr).join(",")`, "0,1,2,3,4,5"},
		{"array methods", `arr.filter(x => typeof x === "number").concat(arr.slice(1, 2)).map(String).join(",")`, "1,two"},
		{"spread", `[...arr].length`, "6"},
		{"JSON.stringify", `JSON.stringify(arr)`, `[1,"two",{"three":[3,{"four":4}]},null,null,true]`},
		{"elements deep-frozen", `Object.isFrozen(arr[2]) && Object.isFrozen(arr[2].three) && Object.isFrozen(arr[2].three[1])`, "true"},
		{"sloppy writes ignored", `arr[0] = 99; arr[2].three = 0; JSON.stringify([arr[0], arr[2].three[0]])`, "[1,3]"},
		{"each read is a fresh object", `arr[2] !== arr[2] && arr[2].three[0] === 3`, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newVU(t, metrics.NewRegistry())
			if got := eval(t, rt, fixture+"{"+tt.src+"}"); got != tt.want {
				t.Fatalf("%s = %s, want %s", tt.src, got, tt.want)
			}
			// The same reads work once the VU runs iterations.
			rt.MoveToVUContext(rt.NewState())
			if got := eval(t, rt, "{"+tt.src+"}"); got != tt.want {
				t.Fatalf("in the VU context: %s = %s, want %s", tt.src, got, tt.want)
			}
		})
	}
}

func TestSharedArrayReadOnly(t *testing.T) {
	for _, src := range []string{
		`arr[0] = 5`,
		`arr[6] = 5`,
		`arr.push(1)`,
		`arr.length = 0`,
		`arr.pop()`,
		`arr.sort()`,
		`arr[2].three.push(4)`,
		`arr[2].three[1].four = 5`,
		`delete arr[2].three`,
	} {
		t.Run(src, func(t *testing.T) {
			rt := newVU(t, metrics.NewRegistry())
			eval(t, rt, fixture+"globalThis.arr = arr;")
			_, err := rt.RunScript(`"use strict"; ` + src)
			if err == nil || !strings.Contains(err.Error(), "TypeError") {
				t.Fatalf("%s: err = %v, want a TypeError", src, err)
			}
			if got := eval(t, rt, `JSON.stringify(arr)`); got != `[1,"two",{"three":[3,{"four":4}]},null,null,true]` {
				t.Fatalf("after %s the array is %s", src, got)
			}
		})
	}
}

func TestSharedArrayBuiltOncePerRun(t *testing.T) {
	run := metrics.NewRegistry()
	first := newVU(t, run)
	if got := eval(t, first, `const { SharedArray } = require("k6/data");
		let called = 0;
		const a = new SharedArray("users", () => { called++; return ["alice", "bob"]; });
		called + ":" + a.join(",")`); got != "1:alice,bob" {
		t.Fatalf("first VU: %s", got)
	}
	second := newVU(t, run)
	if got := eval(t, second, `const { SharedArray } = require("k6/data");
		let called = 0;
		const a = new SharedArray("users", () => { called++; return ["mallory"]; });
		called + ":" + a.join(",")`); got != "0:alice,bob" {
		t.Fatalf("second VU of the run: %s, want its function not called and the first VU's data", got)
	}
	other := newVU(t, metrics.NewRegistry())
	if got := eval(t, other, `const { SharedArray } = require("k6/data");
		new SharedArray("users", () => ["carol"]).join(",")`); got != "carol" {
		t.Fatalf("VU of another run: %s, want its own data", got)
	}
	if got := eval(t, first, `new SharedArray("other", () => [1, 2, 3]).length`); got != "3" {
		t.Fatalf("second name in the same VU: %s", got)
	}
}

func TestSharedArrayConcurrentInit(t *testing.T) {
	const vus = 16
	run := metrics.NewRegistry()
	rts := make([]*modulestest.Runtime, vus)
	var calls atomic.Int64
	for i := range rts {
		rts[i] = newVU(t, run)
		if err := rts[i].Sobek().Set("countCall", func() { calls.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	results := make([]string, vus)
	errs := make([]error, vus)
	var wg sync.WaitGroup
	for i, rt := range rts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := rt.RunScript(fmt.Sprintf(`const { SharedArray } = require("k6/data");
				const a = new SharedArray("big", () => { countCall(); return Array.from({ length: 1000 }, (_, j) => ({ j, vu: %d })); });
				a.length + ":" + a[999].j + ":" + a[0].vu`, i))
			if err != nil {
				errs[i] = err
				return
			}
			results[i] = v.String()
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("the function ran %d times, want once", n)
	}
	for i := range vus {
		if errs[i] != nil {
			t.Fatalf("VU %d: %v", i, errs[i])
		}
		if results[i] != results[0] || !strings.HasPrefix(results[i], "1000:999:") {
			t.Fatalf("VU %d sees %q, VU 0 sees %q", i, results[i], results[0])
		}
	}
}

func TestSharedArrayErrors(t *testing.T) {
	tests := []struct {
		name, src, wantErr string
	}{
		{"no name", `new SharedArray("", () => [])`, "the name (first argument) must be a non-empty string"},
		{"missing name", `new SharedArray()`, "the name (first argument) must be a non-empty string"},
		{"no function", `new SharedArray("a", [1, 2])`, `SharedArray "a": the second argument must be a function`},
		{"not an array", `new SharedArray("a", () => ({ length: 1, 0: "x" }))`, `SharedArray "a": its function must return an array`},
		{"string result", `new SharedArray("a", () => "abc")`, "its function must return an array"},
		{"function throws", `new SharedArray("a", () => { throw new Error("cannot read users.csv") })`, "cannot read users.csv"},
		{"not serialisable", `new SharedArray("a", () => [1n])`, "element 0 cannot be serialised as JSON"},
		{"recursive", `new SharedArray("a", () => [new SharedArray("a", () => [])])`, "its function constructs a SharedArray of the same name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newVU(t, metrics.NewRegistry())
			_, err := rt.RunScript(`const { SharedArray } = require("k6/data");` + tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	t.Run("outside the init context", func(t *testing.T) {
		rt := newVU(t, metrics.NewRegistry())
		eval(t, rt, `globalThis.SharedArray = require("k6/data").SharedArray; 1`)
		rt.MoveToVUContext(rt.NewState())
		_, err := rt.RunScript(`new SharedArray("late", () => [1])`)
		if err == nil || !strings.Contains(err.Error(), "must be called in the init context") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a failed build is retried by the next VU", func(t *testing.T) {
		run := metrics.NewRegistry()
		if _, err := newVU(t, run).RunScript(`new (require("k6/data").SharedArray)("r", () => { throw new Error("boom") })`); err == nil {
			t.Fatal("no error from the throwing function")
		}
		if got := eval(t, newVU(t, run), `new (require("k6/data").SharedArray)("r", () => ["ok"])[0]`); got != "ok" {
			t.Fatalf("retry got %s", got)
		}
	})
}

func TestStoreForgetsFinishedRuns(t *testing.T) {
	before := storeLen()
	func() {
		run := metrics.NewRegistry()
		eval(t, newVU(t, run), `new (require("k6/data").SharedArray)("gc", () => [1]).length`)
		if storeLen() != before+1 {
			t.Fatalf("store has %d entries, want %d", storeLen(), before+1)
		}
	}()
	// The VU (and its InitEnv pointing at the registry) stays reachable until
	// the test's cleanups run; drop the registry reference instead by running
	// a fresh, short-lived registry through slot directly.
	for range 3 {
		func() { _ = slot(metrics.NewRegistry(), "gc-direct") }()
	}
	for i := 0; i < 20 && storeLen() > before+1; i++ {
		runtime.GC()
	}
	if n := storeLen(); n > before+1 {
		t.Fatalf("store still has %d entries after GC, want at most %d: finished runs are not forgotten", n, before+1)
	}
}
