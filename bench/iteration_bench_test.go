package bench_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

// getCheckScript is the CPU-per-request script: one http.get of a small
// JSON body plus a check per iteration.
const getCheckScript = `
import http from "k6/http";
import { check } from "k6";
export default function () {
	const res = http.get(__ENV.URL);
	check(res, { "status is 200": (r) => r.status === 200 });
}
`

// smallJSON is the body the loopback servers answer with.
var smallJSON = []byte(`{"userId":"usr_123","tokens":5,"status":"idle","sessionId":null}`)

func jsonServer(tb testing.TB) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(smallJSON)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func getCheckRunner(b *testing.B, url string) *js.Runner {
	b.Helper()
	logger, _ := logtest.NewNullLogger()
	logger.SetLevel(logrus.WarnLevel)
	r, err := js.New(context.Background(), js.LoadConfig{
		Path:   "/s/script.js",
		FS:     fstest.MapFS{"s/script.js": &fstest.MapFile{Data: []byte(getCheckScript)}},
		Env:    map[string]string{"URL": url},
		Logger: logger,
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Configure(engine.RunnerConfig{Options: r.Options(), Execution: fakeExec{}, Test: fakeTest{}}); err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkGetCheckNewVU initialises one VU of the CPU-per-request script
// (k6 and k6/http imported): the VU cost of a minimal HTTP script.
func BenchmarkGetCheckNewVU(b *testing.B) {
	r := getCheckRunner(b, "http://127.0.0.1:1/")
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := r.NewVU(context.Background(), uint64(i+1), uint64(i+1), discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetCheckIteration is one iteration of the CPU-per-request script
// on one VU, its samples aggregated by the real metrics engine: allocs/op
// and B/op are the generator's allocations per request.
func BenchmarkGetCheckIteration(b *testing.B) {
	srv := jsonServer(b)
	r := getCheckRunner(b, srv.URL+"/me")
	a, me := activeVU(b, r, "default", "constant-vus")
	b.ReportAllocs()
	for b.Loop() {
		if err := a.RunOnce(); err != nil {
			b.Fatal(err)
		}
	}
	if s := me.Snapshot(); s == nil {
		b.Fatal("no snapshot")
	}
}

// activeVU is one VU of r, activated in scenario (run by executor), and
// the real metrics engine that aggregates its samples.
func activeVU(b testing.TB, r *js.Runner, scenario, executor string) (engine.ActiveVU, *metrics.Engine) {
	b.Helper()
	me, err := metrics.NewEngine(r.Registry(), metrics.EngineOptions{})
	if err != nil {
		b.Fatal(err)
	}
	v, err := r.NewVU(context.Background(), 1, 1, me)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	return v.Activate(&engine.VUActivationParams{
		RunContext: context.Background(),
		Scenario:   &modules.ScenarioState{Name: scenario, Executor: executor},
		GetNextIterationCounters: func() (int64, int64) {
			n++
			return n - 1, n - 1
		},
	}), me
}
