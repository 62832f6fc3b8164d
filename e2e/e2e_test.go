package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stampede-load/stampede/target"
)

// stampedeBin is the binary under test, built by TestMain.
var stampedeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stampede-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	stampedeBin = filepath.Join(dir, "stampede")
	build := exec.Command("go", "build", "-o", stampedeBin, "../cmd/stampede")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building stampede:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one stampede process left behind.
type result struct {
	code    int
	stdout  string
	stderr  string
	summary map[string]any // --summary-export content
}

// metric returns a value of an exported summary metric ("count", "rate", "p(95)", ...).
func (r result) metric(t *testing.T, name, value string) float64 {
	t.Helper()
	metrics, _ := r.summary["metrics"].(map[string]any)
	m, ok := metrics[name].(map[string]any)
	if !ok {
		t.Fatalf("summary has no metric %q; stdout:\n%s", name, r.stdout)
	}
	v, ok := m[value].(float64)
	if !ok {
		t.Fatalf("metric %q has no value %q: %v", name, value, m)
	}
	return v
}

// run runs `stampede run` with args and the given extra environment, with
// a deadline, and collects its exit code, output and exported summary.
func run(t *testing.T, timeout time.Duration, env map[string]string, args ...string) result {
	t.Helper()
	export := filepath.Join(t.TempDir(), "summary.json")
	full := append([]string{"run", "-q", "--no-color", "--summary-export", export,
		"--summary-trend-stats", "avg,min,med,max,p(90),p(95),count"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, stampedeBin, full...)
	cmd.Env = cleanEnv(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	default:
		t.Fatalf("running stampede: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("stampede did not finish within %s; stderr:\n%s", timeout, tail(res.stderr))
	}
	if b, err := os.ReadFile(export); err == nil {
		if err := json.Unmarshal(b, &res.summary); err != nil {
			t.Fatalf("summary export is not JSON: %v", err)
		}
	}
	return res
}

// cleanEnv is the test process's environment without the scenario
// variables (so a developer's shell cannot change the outcome), plus env.
func cleanEnv(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "BASE_URL" || k == "STRIPE_WEBHOOK_SECRET" || k == "PROMETHEUS_URL" || strings.HasPrefix(k, "K6_") {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func tail(s string) string {
	const n = 4000
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// startTarget runs the reference API in this process so a test can read
// its books after the run.
func startTarget(t *testing.T) *target.Server {
	t.Helper()
	srv, err := target.New(target.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}

func envArgs(kv ...string) []string {
	var out []string
	for _, s := range kv {
		out = append(out, "-e", s)
	}
	return out
}

func expectPass(t *testing.T, r result) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, tail(r.stdout), tail(r.stderr))
	}
	for _, name := range []string{"http_req_failed", "error_rate"} {
		if rate := r.metric(t, name, "value"); rate >= 0.001 {
			t.Errorf("%s = %v, want < 0.001", name, rate)
		}
	}
}

// Each scenario at small scale against the embedded target passes its thresholds.
func TestScenariosPassAgainstEmbeddedTarget(t *testing.T) {
	cases := []struct {
		name   string
		script string
		env    []string
		check  func(t *testing.T, r result)
	}{
		{
			name:   "queue-concurrency isolated",
			script: "queue-concurrency.js",
			env:    []string{"TARGET_VUS=30", "RAMP_UP=4s", "HOLD=2s", "RAMP_DOWN=2s", "THINK_TIME_MIN=0.1", "THINK_TIME_MAX=0.3"},
			check: func(t *testing.T, r result) {
				if n := r.metric(t, "queue_join_latency", "count"); n < 30 {
					t.Errorf("queue_join_latency count = %v, want at least one join per VU", n)
				}
			},
		},
		{
			name:   "queue-concurrency shared",
			script: "queue-concurrency.js",
			env:    []string{"QUEUE_MODE=shared", "TARGET_VUS=20", "RAMP_UP=3s", "HOLD=3s", "RAMP_DOWN=1s", "THINK_TIME_MIN=0.1", "THINK_TIME_MAX=0.3"},
		},
		{
			name:   "video-session-sustain",
			script: "video-session-sustain.js",
			env:    []string{"SESSION_VUS=20", "RAMP_UP=2s", "HOLD=5s", "RAMP_DOWN=1s", "SESSION_HOLD_SECONDS=1", "THINK_TIME_MIN=0.1", "THINK_TIME_MAX=0.2"},
			check: func(t *testing.T, r result) {
				if n := r.metric(t, "sessions_started", "count"); n < 10 {
					t.Errorf("sessions_started = %v, want at least 10", n)
				}
				if n := r.metric(t, "queue_match_latency", "count"); n < 20 {
					t.Errorf("queue_match_latency count = %v, want at least 20", n)
				}
			},
		},
		{
			name:   "token-purchase-spike",
			script: "token-purchase-spike.js",
			env:    []string{"BASE_RATE=5", "SPIKE_RATE=40", "RAMP_UP=2s", "SPIKE_HOLD=2s", "RAMP_DOWN=1s", "PREALLOCATED_VUS=10", "MAX_VUS=30", "SEED_USER_COUNT=5"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--embedded-target"}, envArgs(tc.env...)...)
			args = append(args, filepath.Join("..", "scripts", tc.script))
			r := run(t, 2*time.Minute, nil, args...)
			expectPass(t, r)
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// After token-purchase-spike the API has credited exactly TOKENS_PER_EVENT
// tokens per accepted event: nothing lost, nothing credited twice.
func TestTokenPurchaseSpikeCreditsExactly(t *testing.T) {
	srv := startTarget(t)
	env := map[string]string{"BASE_URL": srv.URL(), "STRIPE_WEBHOOK_SECRET": srv.WebhookSecret().Reveal()}
	args := envArgs("BASE_RATE=10", "SPIKE_RATE=60", "RAMP_UP=2s", "SPIKE_HOLD=2s", "RAMP_DOWN=1s",
		"PREALLOCATED_VUS=20", "MAX_VUS=40", "SEED_USER_COUNT=7", "TOKENS_PER_EVENT=3")
	r := run(t, 2*time.Minute, env, append(args, "../scripts/token-purchase-spike.js")...)
	expectPass(t, r)

	accepted := int64(r.metric(t, "webhooks_accepted", "count"))
	if accepted < 50 {
		t.Fatalf("only %d events accepted; the arrival rate should give about 150", accepted)
	}
	st := srv.Stats()
	if st.Webhooks.Credited != accepted {
		t.Errorf("target credited %d events, the script saw %d accepted", st.Webhooks.Credited, accepted)
	}
	if want := accepted * 3; st.TokensCredited != want {
		t.Errorf("target credited %d tokens, want accepted events x TOKENS_PER_EVENT = %d", st.TokensCredited, want)
	}
	if st.Webhooks.Duplicate != 0 || st.Webhooks.Rejected != 0 {
		t.Errorf("webhook results %+v: want no duplicates and no rejections", st.Webhooks)
	}
	if st.Users != 7 {
		t.Errorf("users = %d, want SEED_USER_COUNT = 7", st.Users)
	}
}

// A run whose signatures are wrong, or whose API is unreachable, must fail
// its thresholds (exit 99), never pass.
func TestBrokenRunsFailThresholds(t *testing.T) {
	srv := startTarget(t)
	unreachable := freeAddr(t)
	cases := []struct {
		name   string
		env    map[string]string
		args   []string
		script string
	}{
		{
			name: "wrong webhook secret",
			env:  map[string]string{"BASE_URL": srv.URL(), "STRIPE_WEBHOOK_SECRET": "whsec_not_the_right_one"},
			args: envArgs("BASE_RATE=5", "SPIKE_RATE=10", "RAMP_UP=1s", "SPIKE_HOLD=1s", "RAMP_DOWN=1s",
				"PREALLOCATED_VUS=5", "MAX_VUS=10", "SEED_USER_COUNT=2"),
			script: "token-purchase-spike.js",
		},
		{
			name:   "unreachable API",
			env:    map[string]string{"BASE_URL": "http://" + unreachable, "STRIPE_WEBHOOK_SECRET": "whsec_x"},
			args:   envArgs("TARGET_VUS=3", "RAMP_UP=1s", "RAMP_DOWN=1s", "THINK_TIME_MIN=0.1", "THINK_TIME_MAX=0.2"),
			script: "queue-concurrency.js",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, 2*time.Minute, tc.env, append(tc.args, "../scripts/"+tc.script)...)
			if r.code != 99 {
				t.Fatalf("exit code %d, want 99 (thresholds crossed)\nstdout:\n%s\nstderr:\n%s", r.code, tail(r.stdout), tail(r.stderr))
			}
			if !strings.Contains(r.stderr, "have been crossed") {
				t.Errorf("stderr does not say which thresholds were crossed:\n%s", tail(r.stderr))
			}
		})
	}
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// Missing or bad settings stop the run in init with a message naming the
// variable; the secret is never printed.
func TestScenarioSettingsAreValidated(t *testing.T) {
	base := map[string]string{"BASE_URL": "http://127.0.0.1:1", "STRIPE_WEBHOOK_SECRET": "whsec_topsecret"}
	cases := []struct {
		name   string
		env    map[string]string
		script string
		want   []string // all must appear in stderr
	}{
		{"missing BASE_URL", map[string]string{"STRIPE_WEBHOOK_SECRET": "whsec_topsecret"}, "queue-concurrency.js", []string{"BASE_URL is required", "--embedded-target"}},
		{"missing secret", map[string]string{"BASE_URL": "http://127.0.0.1:1"}, "token-purchase-spike.js", []string{"STRIPE_WEBHOOK_SECRET is required"}},
		{"non-numeric", with(base, "TARGET_VUS", "lots"), "queue-concurrency.js", []string{"TARGET_VUS=", "lots", "is not a number"}},
		{"negative", with(base, "THINK_TIME_MIN", "-1"), "video-session-sustain.js", []string{"THINK_TIME_MIN=", "must be at least 0"}},
		{"unknown mode", with(base, "QUEUE_MODE", "solo"), "queue-concurrency.js", []string{"QUEUE_MODE=", "solo", "use one of isolated, shared"}},
		{"bad duration", with(base, "RAMP_UP", "ten minutes"), "queue-concurrency.js", []string{"RAMP_UP=", "ten minutes", "is not a duration"}},
		{"isolated sustain", with(base, "QUEUE_MODE", "isolated"), "video-session-sustain.js", []string{"needs QUEUE_MODE=shared"}},
		{"max below preallocated", with(base, "MAX_VUS", "10"), "token-purchase-spike.js", []string{"MAX_VUS=10 must not be less than PREALLOCATED_VUS=800"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, time.Minute, tc.env, "../scripts/"+tc.script)
			if r.code != 107 {
				t.Fatalf("exit code %d, want 107 (exception in init)\nstderr:\n%s", r.code, tail(r.stderr))
			}
			for _, want := range tc.want {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr does not contain %q:\n%s", want, tail(r.stderr))
				}
			}
			if strings.Contains(r.stdout+r.stderr, "whsec_topsecret") {
				t.Error("the webhook secret was printed")
			}
		})
	}
}

// TestEnvLibrary runs testdata/envlib.js, whose init context checks the
// scenarios' env helpers (durations, isZero, BASE_URL) and throws on the
// first wrong answer.
func TestEnvLibrary(t *testing.T) {
	r := run(t, time.Minute, nil, "--iterations", "1", "testdata/envlib.js")
	if r.code != 0 {
		t.Fatalf("exit code %d, want 0\nstderr:\n%s", r.code, tail(r.stderr))
	}
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for kk, vv := range m {
		if kk != k {
			out[kk] = vv
		}
	}
	return out
}

// The CI-size run: queue-concurrency at 1,000 VUs for about 30 s
// passes its thresholds on the CI machine.
func TestQueueConcurrencyThousandVUs(t *testing.T) {
	if testing.Short() {
		t.Skip("a 30-second 1,000-VU run; skipped with -short")
	}
	args := append([]string{"--embedded-target"}, envArgs("TARGET_VUS=1000", "RAMP_UP=10s", "HOLD=15s", "RAMP_DOWN=5s",
		"THINK_TIME_MIN=1", "THINK_TIME_MAX=3")...)
	r := run(t, 3*time.Minute, nil, append(args, "../scripts/queue-concurrency.js")...)
	expectPass(t, r)
	if max := r.metric(t, "vus", "max"); max < 950 {
		t.Errorf("vus max = %v, want about 1000", max)
	}
}

// Every example teaches something that works: each runs cleanly (the
// Prometheus one against a Prometheus that is down, which must not fail it).
func TestExamplesRun(t *testing.T) {
	cases := []struct {
		file string
		args []string
	}{
		{"stripe-webhook.js", []string{"--embedded-target"}},
		{"queue-round-trip.js", []string{"--embedded-target"}},
		{"custom-threshold.js", []string{"--embedded-target"}},
		{"typescript-scenario.ts", []string{"--embedded-target"}},
		{"prometheus-snapshot.js", envArgs("PROMETHEUS_URL=http://" + freeAddr(t))},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			r := run(t, time.Minute, nil, append(tc.args, "../examples/"+tc.file)...)
			if r.code != 0 {
				t.Fatalf("exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, tail(r.stdout), tail(r.stderr))
			}
			if strings.Contains(r.stderr, "level=error") {
				t.Errorf("errors logged:\n%s", tail(r.stderr))
			}
		})
	}
}

// `stampede bundle` output is a self-contained script with no k6/x import
// that the same binary runs to a pass against the embedded target.
func TestBundledScenarioRuns(t *testing.T) {
	out := filepath.Join(t.TempDir(), "spike.bundle.js")
	cmd := exec.Command(stampedeBin, "bundle", "../scripts/token-purchase-spike.js", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bundle: %v\n%s", err, b)
	}
	src, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^import .*"k6/x/|require\("k6/x/`).Find(src); m != nil {
		t.Fatalf("the bundle still imports a k6/x module: %s", m)
	}
	args := append([]string{"--embedded-target"}, envArgs("BASE_RATE=5", "SPIKE_RATE=20", "RAMP_UP=1s",
		"SPIKE_HOLD=1s", "RAMP_DOWN=1s", "PREALLOCATED_VUS=5", "MAX_VUS=10", "SEED_USER_COUNT=3")...)
	r := run(t, time.Minute, nil, append(args, out)...)
	expectPass(t, r)
	if n := r.metric(t, "webhooks_accepted", "count"); n < 10 {
		t.Errorf("webhooks_accepted = %v, want the bundled shims to have credited events", n)
	}
}
