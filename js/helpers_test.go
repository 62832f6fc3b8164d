package js_test

import (
	"context"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"

	_ "github.com/stampede-load/stampede/js/k6"
	_ "github.com/stampede-load/stampede/js/k6/execution"
	_ "github.com/stampede-load/stampede/js/k6/timers"
	_ "github.com/stampede-load/stampede/js/modules/examplext"
)

// collector is an Ingester keeping every sample.
type collector struct {
	mu      sync.Mutex
	samples []metrics.Sample
}

func (c *collector) Ingest(b []metrics.Sample) {
	c.mu.Lock()
	c.samples = append(c.samples, b...)
	c.mu.Unlock()
}

func (c *collector) of(name string) []metrics.Sample {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []metrics.Sample
	for _, s := range c.samples {
		if s.Metric.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// fakeTest records exec.test calls.
type fakeTest struct {
	mu            sync.Mutex
	aborts, fails []string
}

func (f *fakeTest) Abort(r string) { f.mu.Lock(); f.aborts = append(f.aborts, r); f.mu.Unlock() }
func (f *fakeTest) Fail(r string)  { f.mu.Lock(); f.fails = append(f.fails, r); f.mu.Unlock() }

type fakeExec struct{}

func (fakeExec) VUsActive() int64                      { return 7 }
func (fakeExec) VUsInitialized() int64                 { return 8 }
func (fakeExec) IterationsCompleted() int64            { return 9 }
func (fakeExec) IterationsInterrupted() int64          { return 1 }
func (fakeExec) CurrentTestRunDuration() time.Duration { return 1500 * time.Millisecond }

type env struct {
	t      *testing.T
	r      *js.Runner
	logs   *logtest.Hook
	test   *fakeTest
	out    *collector
	logger *logrus.Logger
}

// load loads /s/script.js (the "script.js" entry of files) and configures
// the runner with the script's own options.
func load(t *testing.T, files map[string]string, envVars map[string]string) (*env, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys["s/"+name] = &fstest.MapFile{Data: []byte(src)}
	}
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	main := "script.js"
	if _, ok := files[main]; !ok {
		main = "script.ts"
	}
	r, err := js.New(context.Background(), js.LoadConfig{
		Path: "/s/" + main, FS: fsys, Env: envVars, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	e := &env{t: t, r: r, logs: hook, test: &fakeTest{}, out: &collector{}, logger: logger}
	if err := r.Configure(engine.RunnerConfig{Options: r.Options(), Execution: fakeExec{}, Test: e.test}); err != nil {
		t.Fatal(err)
	}
	return e, nil
}

func mustLoad(t *testing.T, files map[string]string) *env {
	t.Helper()
	e, err := load(t, files, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) vu(id uint64) engine.InitializedVU {
	e.t.Helper()
	v, err := e.r.NewVU(context.Background(), id, id, e.out)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func scenario(name string) *modules.ScenarioState {
	return &modules.ScenarioState{Name: name, Executor: "shared-iterations", StartTime: time.Unix(100, 0), Progress: func() float64 { return 0.5 }}
}

// activate activates v for exec in scenario "default" until ctx ends.
func activate(ctx context.Context, v engine.InitializedVU, exec string) engine.ActiveVU {
	var n int64
	return v.Activate(&engine.VUActivationParams{
		RunContext: ctx,
		Exec:       exec,
		Scenario:   scenario("default"),
		GetNextIterationCounters: func() (int64, int64) {
			n++
			return n - 1, n + 99
		},
	})
}

var _ = config.Bool
