package bench_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js"
	"github.com/stampede-load/stampede/target"
)

// BenchmarkQueueScriptIteration is one iteration of the seed's
// queue-concurrency.js (join, then leave; the VU's user is created and
// seeded on its first iteration) on one VU, without think time, against the
// reference target in this process: allocs/op and B/op are the generator's
// allocations per iteration of the seed profile (two requests), whose GC
// cost grows with them.
func BenchmarkQueueScriptIteration(b *testing.B) {
	r := queueTargetRunner(b)
	a, me := activeVU(b, r, "queue_concurrency", "ramping-vus")
	if err := a.RunOnce(); err != nil { // creates and seeds the user
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := a.RunOnce(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if reqs := me.Snapshot(); reqs == nil {
		b.Fatal("no snapshot")
	}
}

// queueTargetRunner loads queue-concurrency.js, without think time, against
// the reference target started in this process.
func queueTargetRunner(tb testing.TB) *js.Runner {
	tb.Helper()
	url, secret := startTarget(tb)
	return queueRunnerFor(tb, url, secret)
}

// startTarget starts the reference target on a loopback port until the
// test ends: its URL and webhook secret.
func startTarget(tb testing.TB) (url, secret string) {
	tb.Helper()
	srv, err := target.New(target.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := srv.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv.URL(), srv.WebhookSecret().Reveal()
}

// queueRunnerFor loads queue-concurrency.js, without think time, against
// the target at url.
func queueRunnerFor(tb testing.TB, url, secret string) *js.Runner {
	tb.Helper()
	logger, _ := logtest.NewNullLogger()
	logger.SetLevel(logrus.WarnLevel)
	path, err := filepath.Abs("../scripts/queue-concurrency.js")
	if err != nil {
		tb.Fatal(err)
	}
	r, err := js.New(context.Background(), js.LoadConfig{
		Path: path,
		Env: map[string]string{
			"BASE_URL": url, "STRIPE_WEBHOOK_SECRET": secret,
			"THINK_TIME_MIN": "0", "THINK_TIME_MAX": "0",
		},
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
