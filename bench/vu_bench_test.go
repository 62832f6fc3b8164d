package bench_test

import (
	"context"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js"
	_ "github.com/stampede-load/stampede/js/k6/all" // the built-in and extension modules
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

type fakeExec struct{}

func (fakeExec) VUsActive() int64                      { return 0 }
func (fakeExec) VUsInitialized() int64                 { return 0 }
func (fakeExec) IterationsCompleted() int64            { return 0 }
func (fakeExec) IterationsInterrupted() int64          { return 0 }
func (fakeExec) CurrentTestRunDuration() time.Duration { return 0 }

type fakeTest struct{}

func (fakeTest) Abort(string) {}
func (fakeTest) Fail(string)  {}

var discard = metrics.IngesterFunc(func([]metrics.Sample) {})

// queueRunner loads the seed's scripts/queue-concurrency.js as `stampede run`
// does (no server is contacted in the init context).
func queueRunner(tb testing.TB) *js.Runner {
	tb.Helper()
	logger, _ := logtest.NewNullLogger()
	logger.SetLevel(logrus.WarnLevel)
	path, err := filepath.Abs("../scripts/queue-concurrency.js")
	if err != nil {
		tb.Fatal(err)
	}
	r, err := js.New(context.Background(), js.LoadConfig{
		Path:   path,
		Env:    map[string]string{"BASE_URL": "http://127.0.0.1:1", "STRIPE_WEBHOOK_SECRET": "whsec_bench"},
		Logger: logger,
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := r.Configure(engine.RunnerConfig{Options: r.Options(), Execution: fakeExec{}, Test: fakeTest{}}); err != nil {
		tb.Fatal(err)
	}
	return r
}

// BenchmarkQueueScriptNewVU initialises one VU of queue-concurrency.js per
// op on one goroutine: ns/op is the CPU cost of one VU, B/op and allocs/op
// what its init context allocates.
func BenchmarkQueueScriptNewVU(b *testing.B) {
	r := queueRunner(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := r.NewVU(context.Background(), uint64(i+1), uint64(i+1), discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueueScriptNewVUParallel initialises VUs on every core as the
// engine's Init does; ns/op x 10,000 is the start-up time of 10,000 VUs.
func BenchmarkQueueScriptNewVUParallel(b *testing.B) {
	r := queueRunner(b)
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
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)*10000/1e9, "s/10kVUs")
}

// BenchmarkQueueScriptVUHeap keeps 1,000 VUs alive and reports the live
// heap each one holds after a GC (KB/VU); the process's RSS per VU is
// about this times the GC's headroom (GOGC).
func BenchmarkQueueScriptVUHeap(b *testing.B) {
	r := queueRunner(b)
	const n = 1000
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
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
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n/1024, "KB/VU")
		runtime.KeepAlive(vus)
	}
}

// BenchmarkQueueScriptVURunningHeap reports what a VU holds once it runs:
// 500 VUs each run two iterations of queue-concurrency.js (the first
// creates and seeds its user), then the live heap is compared with the
// one after their init (KB/VU). What is held is the VU's running state:
// its kept-alive connection, HTTP client and caches, the functions and
// builtins its iterations touched, its user. The reference target runs in
// a child process (this test binary), so its per-connection memory is not
// counted.
func BenchmarkQueueScriptVURunningHeap(b *testing.B) {
	url, secret := startTargetProcess(b)
	r := queueRunnerFor(b, url, secret)
	const n = 500
	for range b.N {
		me, err := metrics.NewEngine(r.Registry(), metrics.EngineOptions{})
		if err != nil {
			b.Fatal(err)
		}
		vus := make([]engine.InitializedVU, n)
		for i := range vus {
			if vus[i], err = r.NewVU(context.Background(), uint64(i+1), uint64(i+1), me); err != nil {
				b.Fatal(err)
			}
		}
		var initialised, running runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&initialised)
		active := make([]engine.ActiveVU, n)
		for i, v := range vus {
			var k int64
			active[i] = v.Activate(&engine.VUActivationParams{
				RunContext: context.Background(),
				Scenario:   &modules.ScenarioState{Name: "queue_concurrency", Executor: "ramping-vus"},
				GetNextIterationCounters: func() (int64, int64) {
					k++
					return k - 1, k - 1
				},
			})
			for range 2 {
				if err := active[i].RunOnce(); err != nil {
					b.Fatal(err)
				}
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&running)
		b.ReportMetric(float64(int64(running.HeapAlloc)-int64(initialised.HeapAlloc))/n/1024, "KB/VU")
		runtime.KeepAlive(active)
	}
}
