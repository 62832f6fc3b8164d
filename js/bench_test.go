package js_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js"
	"github.com/stampede-load/stampede/metrics"
)

// benchScript is a typical test script: built-in imports, a jslib import,
// a helper module of a few hundred lines, options and a default function.
func benchScript(exports int) fstest.MapFS {
	var lib strings.Builder
	for i := range exports {
		fmt.Fprintf(&lib, "export function helper%d(x) { return { id: x + %d, name: 'item-' + x, tags: ['a', 'b'] }; }\n", i, i)
	}
	return fstest.MapFS{
		"s/script.js": &fstest.MapFile{Data: []byte(`
import { check, group, sleep } from "k6";
import exec from "k6/execution";
import { randomIntBetween, uuidv4 } from "https://jslib.k6.io/k6-utils/1.4.0/index.js";
import * as lib from "./lib.js";

export const options = {
	scenarios: { main: { executor: "constant-vus", vus: 10, duration: "10s" } },
	thresholds: { checks: ["rate>0.99"] },
};

const BASE = __ENV.BASE_URL || "http://127.0.0.1:1";

export default function () {
	group("main", () => {
		const item = lib.helper3(randomIntBetween(1, 10));
		check(item, { "has id": (i) => i.id > 0, "has name": (i) => i.name.length > 0 });
	});
}
`)},
		"s/lib.js": &fstest.MapFile{Data: []byte(lib.String())},
	}
}

func benchRunner(b *testing.B) *js.Runner {
	b.Helper()
	return benchRunnerN(b, 10)
}

func benchRunnerN(b *testing.B, exports int) *js.Runner {
	b.Helper()
	logger, _ := logtest.NewNullLogger()
	logger.SetLevel(logrus.WarnLevel)
	r, err := js.New(context.Background(), js.LoadConfig{Path: "/s/script.js", FS: benchScript(exports), Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Configure(engine.RunnerConfig{Options: r.Options(), Execution: fakeExec{}, Test: &fakeTest{}}); err != nil {
		b.Fatal(err)
	}
	return r
}

var discard = metrics.IngesterFunc(func([]metrics.Sample) {})

// BenchmarkNewVU measures initialising one VU (init context run); B/op is
// the memory one VU costs. Target: 10,000 VUs in < 2 s on 2 cores, ~100 KB each.
func BenchmarkNewVU(b *testing.B) {
	for _, n := range []int{10, 200} {
		b.Run(fmt.Sprintf("lib_exports=%d", n), func(b *testing.B) {
			r := benchRunnerN(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := r.NewVU(context.Background(), uint64(i+1), uint64(i+1), discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNewVUParallel initialises VUs on every core, as the engine does.
func BenchmarkNewVUParallel(b *testing.B) {
	r := benchRunner(b)
	var id atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := id.Add(1)
			if _, err := r.NewVU(context.Background(), n, n, discard); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVUMemory keeps b.N VUs alive (initialised on every core) and
// reports the live heap per VU. Run with -benchtime 1000x or more.
func BenchmarkVUMemory(b *testing.B) {
	r := benchRunner(b)
	n := b.N
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	vus := make([]engine.InitializedVU, n)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				v, err := r.NewVU(context.Background(), uint64(i+1), uint64(i+1), discard)
				if err != nil {
					b.Error(err)
					return
				}
				vus[i] = v
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(n)/1024, "KB/VU")
	runtime.KeepAlive(vus)
}

// BenchmarkIteration measures one iteration of the default function.
func BenchmarkIteration(b *testing.B) {
	r := benchRunner(b)
	v, err := r.NewVU(context.Background(), 1, 1, discard)
	if err != nil {
		b.Fatal(err)
	}
	a := activate(context.Background(), v, "")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := a.RunOnce(); err != nil {
			b.Fatal(err)
		}
	}
}
