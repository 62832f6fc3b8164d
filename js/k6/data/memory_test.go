package data

import (
	"runtime"
	"testing"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modulestest"
	"github.com/stampede-load/stampede/metrics"
)

// TestSharedArrayMemoryPerVU builds a ~2.5 MB SharedArray once and opens it
// in 1,000 VUs of the same run: what each further VU allocates and keeps must
// be tiny next to the data, i.e. memory does not grow with the VU count.
func TestSharedArrayMemoryPerVU(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 1,000 VUs")
	}
	const vus = 1000
	run := metrics.NewRegistry()
	rts := make([]*modulestest.Runtime, vus)
	for i := range rts {
		rts[i] = newVU(t, run)
		// Compiled before measuring: the loop below calls openBig from Go, so
		// it measures only constructing the SharedArray and two reads.
		eval(t, rts[i], `globalThis.SA = require("k6/data").SharedArray;
			// Warm up: the first SharedArray of a VU makes the runtime set up
			// builtins it creates lazily (Array.prototype, JSON, Object.freeze).
			new SA("warm", () => [{ id: 0 }])[0].id;
			globalThis.openBig = () => {
				const a = new SA("big", () => { throw new Error("must not run again") });
				return a[0].id + a[19999].id + a.length;
			}; 1`)
	}
	got := eval(t, rts[0], `const big = new SA("big", () => Array.from({ length: 20000 }, (_, i) => ({
		id: i, email: "user" + i + "@example.com", password: "correct horse battery staple " + i, roles: ["a", "b"] })));
		big.length`)
	if got != "20000" {
		t.Fatalf("length %s", got)
	}
	e := slot(run, "big")
	size := e.data.Size()
	if size < 2_000_000 {
		t.Fatalf("data is %d bytes, want a big array (> 2 MB) for this test to mean anything", size)
	}
	opens := make([]sobek.Callable, vus)
	for i, rt := range rts {
		opens[i], _ = sobek.AssertFunction(rt.Sobek().Get("openBig"))
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, open := range opens[1:] {
		v, err := open(sobek.Undefined())
		if err != nil {
			t.Fatal(err)
		}
		if v.String() != "39999" {
			t.Fatalf("got %s", v)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	allocPerVU := (after.TotalAlloc - before.TotalAlloc) / (vus - 1)
	retainedPerVU := int64(after.HeapAlloc-before.HeapAlloc) / (vus - 1)
	t.Logf("shared data %d bytes; per further VU: %d bytes allocated, %d bytes retained", size, allocPerVU, retainedPerVU)
	// A copy per VU would cost at least size each. Opening the array and
	// decoding two elements may allocate 0.5% of that, and keep 0.05%.
	if limit := uint64(size / 200); allocPerVU > limit {
		t.Errorf("each VU allocates %d bytes, over %d (0.5%% of the %d-byte data)", allocPerVU, limit, size)
	}
	if limit := int64(size / 2000); retainedPerVU > limit {
		t.Errorf("each VU retains %d bytes, over %d (0.05%% of the %d-byte data)", retainedPerVU, limit, size)
	}
	runtime.KeepAlive(rts)
}

// BenchmarkSharedArrayGet reads one element of a SharedArray (JSON parse
// and deep freeze of a small object) in a VU.
func BenchmarkSharedArrayGet(b *testing.B) {
	rt := newVU(b, metrics.NewRegistry())
	eval(b, rt, `const { SharedArray } = require("k6/data");
		globalThis.a = new SharedArray("bench", () => Array.from({ length: 1000 }, (_, i) => ({ id: i, email: "user" + i + "@example.com", roles: ["a"] }))); 1`)
	v, err := rt.Sobek().RunString(`(function (i) { return a[i % 1000].id })`)
	if err != nil {
		b.Fatal(err)
	}
	fn, ok := sobek.AssertFunction(v)
	if !ok {
		b.Fatal("not a function")
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := fn(sobek.Undefined(), rt.Sobek().ToValue(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
