package http_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"

	_ "github.com/stampede-load/stampede/js/k6/all"
)

type collector struct {
	mu      sync.Mutex
	samples []metrics.Sample
}

func (c *collector) Ingest(b []metrics.Sample) {
	c.mu.Lock()
	c.samples = append(c.samples, b...)
	c.mu.Unlock()
}

type noExec struct{}

func (noExec) VUsActive() int64                      { return 1 }
func (noExec) VUsInitialized() int64                 { return 1 }
func (noExec) IterationsCompleted() int64            { return 0 }
func (noExec) IterationsInterrupted() int64          { return 0 }
func (noExec) CurrentTestRunDuration() time.Duration { return 0 }

type noTest struct{}

func (noTest) Abort(string) {}
func (noTest) Fail(string)  {}

// TestThroughTheRunner runs a k6 script through the real JS runner: the VU
// state the runner builds (no HTTP parts) gets k6/http's transport and jar,
// samples carry the runner's scenario and group tags, and each iteration
// starts with an empty cookie jar on a kept-alive connection.
func TestThroughTheRunner(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "c", Value: "1", Path: "/"})
	})
	mux.HandleFunc("/cookies", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, len(r.Cookies()))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	script := `
		import http from "k6/http";
		import { group } from "k6";
		export default function () {
			const before = http.get(__ENV.URL + "/cookies").body;
			http.get(__ENV.URL + "/set");
			const after = http.get(__ENV.URL + "/cookies").body;
			if (before !== "0" || after !== "1") throw new Error("cookies before/after: " + before + "/" + after);
			group("g", () => {
				const r = http.get(__ENV.URL + "/cookies");
				if (__ITER > 0 && r.timings.connecting !== 0) throw new Error("connection not reused");
			});
		}`
	r, err := js.New(context.Background(), js.LoadConfig{Path: "/script.js", Source: []byte(script), Env: map[string]string{"URL": srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Configure(engine.RunnerConfig{Options: r.Options(), Execution: noExec{}, Test: noTest{}}); err != nil {
		t.Fatal(err)
	}
	out := &collector{}
	vu, err := r.NewVU(context.Background(), 1, 1, out)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n int64
	active := vu.Activate(&engine.VUActivationParams{
		RunContext: ctx,
		Exec:       "default",
		Scenario:   &modules.ScenarioState{Name: "default", Executor: "per-vu-iterations", StartTime: time.Now(), Progress: func() float64 { return 0 }},
		GetNextIterationCounters: func() (int64, int64) {
			n++
			return n - 1, n - 1
		},
	})
	for range 2 {
		if err := active.RunOnce(); err != nil {
			t.Fatal(err)
		}
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	reqs, grouped := 0, 0
	for _, s := range out.samples {
		if s.Metric.Name != metrics.HTTPReqsName {
			continue
		}
		reqs++
		tags := s.Tags.Map()
		if tags["scenario"] != "default" {
			t.Fatalf("no scenario tag: %v", tags)
		}
		if tags["group"] == "::g" {
			grouped++
		}
	}
	if reqs != 8 || grouped != 2 {
		t.Fatalf("%d http_reqs samples (%d in group g), want 8 (2)", reqs, grouped)
	}
}

// benchVUs is the number of concurrent VUs (and hey workers) of the
// throughput benchmarks: the scenario size the project targets.
const benchVUs = 50

func benchTarget(b *testing.B) *httptest.Server {
	body := []byte(`{"userId":"usr_123","tokens":5,"status":"idle","sessionId":null}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkRunner50VUs is the real thing: 50 VUs of the JS runner running
// `http.get` + a check on the status, every sample going to a discarding
// ingester. ns/op is the wall time per request with all VUs busy; on a
// CPU-bound machine it is the CPU cost of a request (client and server).
// Compare with BenchmarkHey50.
func BenchmarkRunner50VUs(b *testing.B) {
	srv := benchTarget(b)
	script := `
		import http from "k6/http";
		import { check } from "k6";
		export default function () {
			const r = http.get(__ENV.URL + "/me");
			check(r, { "status is 200": (r) => r.status === 200 });
		}`
	r, err := js.New(context.Background(), js.LoadConfig{Path: "/script.js", Source: []byte(script), Env: map[string]string{"URL": srv.URL}})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Configure(engine.RunnerConfig{Options: r.Options(), Execution: noExec{}, Test: noTest{}}); err != nil {
		b.Fatal(err)
	}
	discard := metrics.IngesterFunc(func([]metrics.Sample) {})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	vus := make([]engine.ActiveVU, benchVUs)
	for i := range vus {
		vu, err := r.NewVU(ctx, uint64(i+1), uint64(i+1), discard)
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		vus[i] = vu.Activate(&engine.VUActivationParams{
			RunContext: ctx, Exec: "default",
			Scenario:                 &modules.ScenarioState{Name: "default", Executor: "constant-vus", StartTime: time.Now(), Progress: func() float64 { return 0 }},
			GetNextIterationCounters: func() (int64, int64) { n++; return n, n },
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	runParallel(b, func(i int) error { return vus[i].RunOnce() })
}

// BenchmarkHey50 is what `hey -c 50` does: 50 workers sharing one
// http.Client, reading each body. No timings, tags or samples.
func BenchmarkHey50(b *testing.B) {
	srv := benchTarget(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchVUs}}
	b.Cleanup(client.CloseIdleConnections)
	u := srv.URL + "/me"
	b.ReportAllocs()
	b.ResetTimer()
	runParallel(b, func(int) error {
		resp, err := client.Get(u)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return err
	})
}

// runParallel runs b.N calls of fn spread over benchVUs workers (fn gets the
// worker's index).
func runParallel(b *testing.B, fn func(worker int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range benchVUs {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := fn(w); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
