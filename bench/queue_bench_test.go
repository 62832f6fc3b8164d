package bench_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
// reference target in this process: allocs/op and B/op are the
// allocations per iteration of the seed profile (two requests), the
// target's included.
func BenchmarkQueueScriptIteration(b *testing.B) {
	benchQueueIterations(b, queueTargetRunner(b))
}

// BenchmarkQueueScriptIterationGenerator is BenchmarkQueueScriptIteration
// with the reference target in a child process (this test binary), so that
// B/op and allocs/op are the generator's alone: the garbage the collector's
// CPU grows with, which gctune's GOGC floor is set against.
func BenchmarkQueueScriptIterationGenerator(b *testing.B) {
	url, secret := startTargetProcess(b)
	benchQueueIterations(b, queueRunnerFor(b, url, secret))
}

// benchQueueIterations runs b.N iterations of r's script on one VU, after
// a first one that creates and seeds its user.
func benchQueueIterations(b *testing.B, r *js.Runner) {
	a, me := activeVU(b, r, "queue_concurrency", "ramping-vus")
	if err := a.RunOnce(); err != nil {
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

// startTargetProcess starts the reference target in a child process (this
// test binary running TestTargetChild) until the test ends, so that what
// the test measures in its own process is the generator alone: the
// target's URL and webhook secret.
func startTargetProcess(tb testing.TB) (url, secret string) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTargetChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "STAMPEDE_TARGET_CHILD=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close() // the child stops when its stdin closes
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "target child: "); ok {
			if url, secret, ok = strings.Cut(rest, " "); ok {
				go func() { _, _ = io.Copy(io.Discard, stdout) }()
				return url, secret
			}
		}
	}
	tb.Fatalf("the target's child process did not start (%v)", sc.Err())
	return "", ""
}

// TestTargetChild is the child process of startTargetProcess: it serves
// the reference target until its stdin closes.
func TestTargetChild(t *testing.T) {
	if os.Getenv("STAMPEDE_TARGET_CHILD") == "" {
		t.Skip("run by startTargetProcess")
	}
	url, secret := startTarget(t)
	fmt.Printf("target child: %s %s\n", url, secret)
	_, _ = io.Copy(io.Discard, os.Stdin)
}
