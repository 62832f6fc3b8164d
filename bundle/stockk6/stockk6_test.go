package stockk6_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/stampede-load/stampede/bundle"
	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js"
	_ "github.com/stampede-load/stampede/js/k6" // the stock k6 modules, and nothing else
	_ "github.com/stampede-load/stampede/js/k6/crypto"
	_ "github.com/stampede-load/stampede/js/k6/data"
	_ "github.com/stampede-load/stampede/js/k6/encoding"
	_ "github.com/stampede-load/stampede/js/k6/execution"
	_ "github.com/stampede-load/stampede/js/k6/http"
	_ "github.com/stampede-load/stampede/js/k6/metrics"
	_ "github.com/stampede-load/stampede/js/k6/timers"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
	"github.com/stampede-load/stampede/target"
)

// result is what one run left: its error, the aggregated metrics and the
// log.
type result struct {
	err  error
	snap *metrics.Snapshot
	logs []*logrus.Entry
}

// value returns an aggregation of a metric ("count", "rate", "p(95)" ...).
func (r result) value(t *testing.T, name, agg string) float64 {
	t.Helper()
	m, ok := r.snap.Metrics[name]
	if !ok {
		t.Fatalf("the run has no metric %s", name)
	}
	a, err := metrics.ParseAggregation(agg)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := m.Sink.Aggregate(a, r.snap.Elapsed)
	if !ok {
		t.Fatalf("metric %s has no %s", name, agg)
	}
	return v
}

// runScript runs the script at path with env as Stampede's run command
// does (script options < K6_* env, thresholds evaluated, no outputs).
func runScript(t *testing.T, path string, env map[string]string) result {
	t.Helper()
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.InfoLevel)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	reg := metrics.NewRegistry()
	builtin := metrics.RegisterBuiltins(reg)
	runner, err := js.New(ctx, js.LoadConfig{Path: path, Env: env, Logger: logger, Registry: reg, BuiltinMetrics: builtin})
	if err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	envLayer, err := config.FromEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := config.Consolidate(runner.Options(), envLayer, config.Config{})
	if err != nil {
		t.Fatalf("options: %v", err)
	}
	var eng *engine.Engine
	me, err := metrics.NewEngine(reg, metrics.EngineOptions{
		Thresholds: cons.Thresholds,
		Elapsed: func() time.Duration {
			if eng == nil {
				return 0
			}
			return eng.CurrentTestRunDuration()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	eng, err = engine.New(engine.Params{
		Runner: runner, Options: cons.Options, Scenarios: cons.Scenarios,
		Ingester: me, Builtin: builtin, Thresholds: me, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	runErr := eng.Run(ctx)
	return result{err: runErr, snap: me.Snapshot(), logs: hook.AllEntries()}
}

// bundleTo bundles a scenario of scripts/ into dir.
func bundleTo(t *testing.T, scenario, dir string) string {
	t.Helper()
	code, err := bundle.Bundle(filepath.Join("..", "..", "scripts", scenario), bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, strings.TrimSuffix(scenario, ".js")+".bundle.js")
	if err := os.WriteFile(out, code, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// Each scenario, bundled, runs on Stampede with no k6/x module registered
// and passes against the reference target at a tiny size: its thresholds
// hold, its operations succeed, and the target's books show the work.
func TestBundledScenariosPassOnStockModules(t *testing.T) {
	for _, name := range []string{"k6/x/stripe", "k6/x/prom", "k6/x/queue"} {
		if modules.Get(name) != nil {
			t.Fatalf("%s is registered in this test binary; the test needs it absent", name)
		}
	}
	tests := []struct {
		scenario string
		env      map[string]string
		check    func(t *testing.T, r result, st target.Stats)
	}{
		{
			scenario: "queue-concurrency.js",
			env: map[string]string{
				"TARGET_VUS": "4", "RAMP_UP": "2s", "HOLD": "1s", "RAMP_DOWN": "1s",
				"THINK_TIME_MIN": "0.05", "THINK_TIME_MAX": "0.15",
			},
			check: func(t *testing.T, r result, st target.Stats) {
				if n := r.value(t, "queue_join_latency", "count"); n < 4 {
					t.Errorf("%v joins, want at least 4", n)
				}
				if n := r.value(t, "queue_leave_latency", "count"); n < 4 {
					t.Errorf("%v leaves, want at least 4", n)
				}
				if n := r.value(t, "tokens_bought", "count"); n < 4*2 {
					t.Errorf("%v tokens bought, want 2 per VU", n)
				}
				if st.Users < 4 || st.Webhooks.Rejected != 0 {
					t.Errorf("the target saw %d users and rejected %d webhooks, want 4 and 0", st.Users, st.Webhooks.Rejected)
				}
			},
		},
		{
			scenario: "video-session-sustain.js",
			env: map[string]string{
				"SESSION_VUS": "4", "RAMP_UP": "1s", "HOLD": "3s", "RAMP_DOWN": "1s",
				"SESSION_HOLD_SECONDS": "1", "MATCH_TIMEOUT": "10s",
				"THINK_TIME_MIN": "0.05", "THINK_TIME_MAX": "0.1",
			},
			check: func(t *testing.T, r result, st target.Stats) {
				if n := r.value(t, "sessions_started", "count"); n < 1 {
					t.Errorf("%v sessions started, want at least 1", n)
				}
				if n := r.value(t, "queue_match_latency", "count"); n < 2 {
					t.Errorf("%v matches, want at least 2", n)
				}
				if st.SessionsStarted < 1 {
					t.Errorf("the target started %d sessions", st.SessionsStarted)
				}
			},
		},
		{
			scenario: "token-purchase-spike.js",
			env: map[string]string{
				"BASE_RATE": "5", "SPIKE_RATE": "20", "RAMP_UP": "1s", "SPIKE_HOLD": "1s", "RAMP_DOWN": "1s",
				"PREALLOCATED_VUS": "5", "MAX_VUS": "10", "SEED_USER_COUNT": "5", "TOKENS_PER_EVENT": "3",
			},
			check: func(t *testing.T, r result, st target.Stats) {
				accepted := r.value(t, "webhooks_accepted", "count")
				if accepted < 10 {
					t.Errorf("%v webhooks accepted, want at least 10", accepted)
				}
				if got := float64(st.TokensCredited); got != 3*accepted {
					t.Errorf("the target credited %v tokens for %v webhooks of 3", got, accepted)
				}
				if rate := r.value(t, "checks", "rate"); rate != 1 {
					t.Errorf("checks rate %v, want 1", rate)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			srv, err := target.New(target.Config{Addr: "127.0.0.1:0"})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = srv.Shutdown(context.Background()) }()
			if _, err := srv.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			path := bundleTo(t, tt.scenario, t.TempDir())
			env := map[string]string{"BASE_URL": srv.URL(), "STRIPE_WEBHOOK_SECRET": srv.WebhookSecret().Reveal()}
			for k, v := range tt.env {
				env[k] = v
			}
			r := runScript(t, path, env)
			for _, e := range r.logs {
				if e.Level <= logrus.WarnLevel {
					t.Logf("log %s: %s", e.Level, e.Message)
				}
			}
			if r.err != nil {
				t.Fatalf("the run failed: %v (crossed thresholds: %v)", r.err, r.snap.Crossed)
			}
			if len(r.snap.Crossed) > 0 {
				t.Fatalf("thresholds crossed: %v", r.snap.Crossed)
			}
			if rate := r.value(t, "error_rate", "rate"); rate != 0 {
				t.Errorf("error_rate %v, want 0", rate)
			}
			if rs, ok := r.snap.Metrics["error_rate"].Sink.(*metrics.RateSink); !ok || rs.Total == 0 {
				t.Error("no error_rate samples: the shims recorded nothing")
			}
			if rate := r.value(t, "http_req_failed", "rate"); rate != 0 {
				t.Errorf("http_req_failed %v, want 0", rate)
			}
			if n := r.value(t, "iterations", "count"); n < 4 {
				t.Errorf("%v iterations", n)
			}
			tt.check(t, r, srv.Stats())
		})
	}
}
