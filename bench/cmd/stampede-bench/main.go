//go:build unix

// Command stampede-bench measures the stampede binary against loopback
// servers and prints a table of the figures that BENCHMARKS.md records:
// memory per VU and start-up with 10,000 VUs of scripts/queue-concurrency.js
// against `stampede target` in a separate process, CPU per request side by
// side with hey and wrk, memory flatness at a high request rate, and
// arrival-rate precision. With -full it runs the long versions and the
// seed's full queue-concurrency profile.
//
//	go run ./bench/cmd/stampede-bench -stampede bin/stampede          # short, < 10 min
//	go run ./bench/cmd/stampede-bench -stampede bin/stampede -full    # about 40 min
//	go run ./bench/cmd/stampede-bench -only cpu,arrival
//
// Every load goes to 127.0.0.1 and every run is bounded in time.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/bench"
	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/gctune"
	"github.com/stampede-load/stampede/js"
	_ "github.com/stampede-load/stampede/js/k6/all" // the modules scripts import
	"github.com/stampede-load/stampede/metrics"
)

// row is one line of the results table.
type row struct {
	Name     string `json:"name"`
	Measured string `json:"measured"`
	Target   string `json:"target"`
	Verdict  string `json:"verdict"` // PASS, MISS or INFO
	Detail   string `json:"detail"`
}

type harness struct {
	stampede string
	scripts  string
	full     bool
	vus      int
	repeat   int
	tmp      string
	log      io.Writer
	rows     []row
	mu       sync.Mutex
}

func main() {
	h := &harness{log: os.Stderr}
	only := flag.String("only", "", "comma-separated benchmarks to run: startup, vumem, cpu, flat, arrival, profile (default: all of the mode)")
	jsonOut := flag.String("json", "", "also write the results table as JSON to this file")
	flag.StringVar(&h.stampede, "stampede", "bin/stampede", "the stampede binary to measure")
	flag.StringVar(&h.scripts, "scripts", "scripts", "the directory holding queue-concurrency.js")
	flag.BoolVar(&h.full, "full", false, "run the long versions (10 min flat-memory run) and the seed's full queue-concurrency profile (~13 min)")
	flag.IntVar(&h.vus, "vus", 10000, "VUs of the memory and start-up benchmarks")
	flag.IntVar(&h.repeat, "repeat", 3, "runs per tool of the CPU-per-request comparison (the median is reported)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := h.run(ctx, *only, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "stampede-bench:", err)
		os.Exit(1)
	}
}

func (h *harness) run(ctx context.Context, only, jsonOut string) error {
	bin, err := filepath.Abs(h.stampede)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("the stampede binary: %w (build it with `make build` or pass -stampede)", err)
	}
	h.stampede = bin
	if h.tmp, err = os.MkdirTemp("", "stampede-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(h.tmp)

	all := []struct {
		name string
		full bool // only in -full mode unless asked for by -only
		fn   func(context.Context) error
	}{
		{"vumem", false, h.vuMemory},
		{"cpu", false, h.cpuPerRequest},
		{"flat", false, h.flatMemory},
		{"arrival", false, h.arrivalRate},
		{"profile", true, h.seedProfile},
		// Last: it grows this process's heap by the VUs it makes.
		{"startup", false, h.startup},
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		if n = strings.TrimSpace(n); n != "" {
			want[n] = true
		}
	}
	for n := range want {
		found := false
		for _, b := range all {
			found = found || b.name == n
		}
		if !found {
			return fmt.Errorf("-only: unknown benchmark %q: use startup, vumem, cpu, flat, arrival or profile", n)
		}
	}
	h.logf("machine: %d CPUs (%s), load average %s", runtime.NumCPU(), cpuModel(), loadAvg())
	began := time.Now()
	for _, b := range all {
		if len(want) > 0 && !want[b.name] || len(want) == 0 && b.full && !h.full {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		h.logf("== %s", b.name)
		if err := b.fn(ctx); err != nil {
			h.add(row{Name: b.name, Measured: "error", Verdict: "ERROR", Detail: err.Error()})
			h.logf("%s: %v", b.name, err)
		}
	}
	h.print(os.Stdout, time.Since(began))
	if jsonOut != "" {
		b, _ := json.MarshalIndent(map[string]any{
			"machine": map[string]any{"cpus": runtime.NumCPU(), "model": cpuModel(), "load": loadAvg()},
			"full":    h.full, "rows": h.rows,
		}, "", "  ")
		if err := os.WriteFile(jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (h *harness) logf(format string, args ...any) {
	fmt.Fprintf(h.log, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func (h *harness) add(r row) {
	h.mu.Lock()
	h.rows = append(h.rows, r)
	h.mu.Unlock()
	h.logf("%s: %s (target %s) %s %s", r.Name, r.Measured, r.Target, r.Verdict, r.Detail)
}

func (h *harness) print(w io.Writer, took time.Duration) {
	mode := "short"
	if h.full {
		mode = "full"
	}
	fmt.Fprintf(w, "\nStampede benchmarks (%s mode, %s, %d CPUs %s, load average at the end %s)\n\n",
		mode, took.Round(time.Second), runtime.NumCPU(), cpuModel(), loadAvg())
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "BENCHMARK\tMEASURED\tTARGET\tRESULT\tDETAIL")
	for _, r := range h.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Measured, r.Target, r.Verdict, r.Detail)
	}
	tw.Flush()
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// --- start-up: stampede run from outside, and js.NewVU in this process ---

// startup measures start-up twice: from outside (processStartup) and in
// this process (inProcessInit).
func (h *harness) startup(ctx context.Context) error {
	if err := h.processStartup(ctx); err != nil {
		return err
	}
	return h.inProcessInit(ctx)
}

// initRun is one in-process initialisation of h.vus VUs.
type initRun struct {
	wall, cpu, sys time.Duration
	perVUKB        float64 // live heap per VU after a collection
}

// inProcessInit loads queue-concurrency.js with package js and initialises
// h.vus VUs with the runner's NewVU on GOMAXPROCS goroutines, as the
// engine's Init does, h.repeat times (the VUs are dropped and the memory
// given back in between). It reports the median wall time.
func (h *harness) inProcessInit(ctx context.Context) error {
	script, err := filepath.Abs(filepath.Join(h.scripts, "queue-concurrency.js"))
	if err != nil {
		return err
	}
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	began := time.Now()
	r, err := js.New(ctx, js.LoadConfig{
		Path:   script,
		Env:    map[string]string{"BASE_URL": "http://127.0.0.1:1", "STRIPE_WEBHOOK_SECRET": "whsec_bench"},
		Logger: logger,
	})
	if err != nil {
		return err
	}
	if err := r.Configure(engine.RunnerConfig{Options: r.Options(), Execution: noExec{}, Test: noTest{}}); err != nil {
		return err
	}
	loaded := time.Since(began)
	var runs []initRun
	for rep := range h.repeat {
		run, err := h.initVUs(ctx, r)
		if err != nil {
			return err
		}
		h.logf("in-process init run %d: %.2f s, CPU %.2f s (kernel %.2f s)",
			rep+1, run.wall.Seconds(), run.cpu.Seconds(), run.sys.Seconds())
		runs = append(runs, run)
	}
	slices.SortFunc(runs, func(a, b initRun) int { return cmp.Compare(a.wall, b.wall) })
	med := runs[len(runs)/2]
	walls := make([]float64, len(runs))
	for i, run := range runs {
		walls[i] = run.wall.Seconds()
	}
	procs := runtime.GOMAXPROCS(0)
	h.add(row{
		Name:     fmt.Sprintf("start-up: init %d VUs (in-process NewVU x %d CPUs)", h.vus, procs),
		Measured: fmt.Sprintf("%.2f s", med.wall.Seconds()),
		Target:   "< 2 s",
		Verdict:  verdict(med.wall < 2*time.Second),
		Detail: fmt.Sprintf("median of %d runs (%s s); that run: CPU %.0f µs/VU (%.2f s, %.2f s of it in the kernel: the floor on %d idle CPUs is %.2f s), live heap %.1f KB/VU; script load %s",
			len(runs), fmtFloats(walls), float64(med.cpu.Microseconds())/float64(h.vus), med.cpu.Seconds(), med.sys.Seconds(),
			procs, med.cpu.Seconds()/float64(procs), med.perVUKB, loaded.Round(time.Millisecond)),
	})
	return nil
}

// initVUs initialises h.vus VUs of r as engine.Init does in stampede run
// (InitHook gctune.Suspend: the collector off while they initialise).
func (h *harness) initVUs(ctx context.Context, r *js.Runner) (initRun, error) {
	runtime.GC()
	debug.FreeOSMemory()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	n := h.vus
	vus := make([]engine.InitializedVU, n)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var (
		wg    sync.WaitGroup
		first error
		once  sync.Once
	)
	_, sys0 := selfCPUSplit()
	cpu0 := selfCPU()
	start := time.Now()
	resumeGC := gctune.Suspend()
	newVU := func(i int) bool {
		v, err := r.NewVU(ctx, uint64(i+1), uint64(i+1), discard{})
		if err != nil {
			once.Do(func() { first = err })
			return false
		}
		vus[i] = v
		return true
	}
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if !newVU(i) {
					return
				}
			}
		}()
	}
	wg.Wait()
	run := initRun{wall: time.Since(start), cpu: selfCPU() - cpu0}
	_, sys1 := selfCPUSplit()
	run.sys = sys1 - sys0
	resumeGC()
	if first != nil {
		return run, first
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	run.perVUKB = float64(after.HeapAlloc-before.HeapAlloc) / float64(n) / 1024
	runtime.KeepAlive(vus)
	return run, nil
}

type discard struct{}

func (discard) Ingest([]metrics.Sample) {}

type noExec struct{}

func (noExec) VUsActive() int64                      { return 0 }
func (noExec) VUsInitialized() int64                 { return 0 }
func (noExec) IterationsCompleted() int64            { return 0 }
func (noExec) IterationsInterrupted() int64          { return 0 }
func (noExec) CurrentTestRunDuration() time.Duration { return 0 }

type noTest struct{}

func (noTest) Abort(string) {}
func (noTest) Fail(string)  {}

// --- memory per VU: queue-concurrency against a separate target ---

// target is a `stampede target` process on a free loopback port.
type target struct {
	child  *bench.Child
	url    string
	secret string
}

func (h *harness) startTarget(ctx context.Context) (*target, error) {
	port, err := bench.FreePort()
	if err != nil {
		return nil, err
	}
	t := &target{url: fmt.Sprintf("http://127.0.0.1:%d", port), secret: "whsec_bench_" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	t.child, err = bench.StartChild(ctx, h.stampede, []string{"target", "-q", "--log-output", "none", "--addr", fmt.Sprintf("127.0.0.1:%d", port)},
		[]string{"STRIPE_WEBHOOK_SECRET=" + t.secret}, 0)
	if err != nil {
		return nil, err
	}
	if err := bench.WaitHTTP(ctx, t.url+"/healthz", 10*time.Second); err != nil {
		t.stop()
		return nil, fmt.Errorf("target: %w: %s", err, t.child.Stderr())
	}
	return t, nil
}

func (t *target) stop() {
	_ = t.child.Signal(syscall.SIGTERM)
	_, _ = t.child.Wait()
}

// usersCreated reads staging_users_total from the target's /metrics.
func (t *target) usersCreated(ctx context.Context) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	v, _ := bench.PromValue(b, "staging_users_total")
	return v, nil
}

// queueRun runs queue-concurrency.js with env against a fresh target and
// returns the child's usage, the time from process start to the first
// user created on the target (the first iteration's first request), and
// the summary export.
func (h *harness) queueRun(ctx context.Context, env []string, limit time.Duration) (bench.Usage, time.Duration, *bench.SummaryExport, error) {
	t, err := h.startTarget(ctx)
	if err != nil {
		return bench.Usage{}, 0, nil, err
	}
	defer t.stop()
	export := filepath.Join(h.tmp, "queue-summary.json")
	_ = os.Remove(export)
	args := []string{"run", "-q", "--summary-export", export}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, filepath.Join(h.scripts, "queue-concurrency.js"))
	rctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	c, err := bench.StartChild(rctx, h.stampede, args, []string{"BASE_URL=" + t.url, "STRIPE_WEBHOOK_SECRET=" + t.secret}, time.Second)
	if err != nil {
		return bench.Usage{}, 0, nil, err
	}
	firstReq := make(chan time.Duration, 1)
	pollCtx, stopPoll := context.WithCancel(rctx)
	go func() {
		defer close(firstReq)
		for pollCtx.Err() == nil {
			if n, err := t.usersCreated(pollCtx); err == nil && n > 0 {
				firstReq <- time.Since(c.Started())
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	u, err := c.Wait()
	stopPoll()
	first := <-firstReq
	if err != nil {
		return u, first, nil, err
	}
	if u.ExitCode != 0 && u.ExitCode != 99 {
		return u, first, nil, fmt.Errorf("stampede run exited %d: %s", u.ExitCode, tail(c.Stderr(), 600))
	}
	sum, err := bench.ReadSummaryExport(export)
	return u, first, sum, err
}

func (h *harness) vuMemory(ctx context.Context) error {
	env := []string{fmt.Sprintf("TARGET_VUS=%d", h.vus), "RAMP_UP=20s", "HOLD=20s", "RAMP_DOWN=5s"}
	u, first, sum, err := h.queueRun(ctx, env, 5*time.Minute)
	if err != nil {
		return err
	}
	reqs, _ := sum.Value("http_reqs", "count")
	failed, _ := sum.Value("http_req_failed", "value")
	limit := int64(1 << 20) // 1 GiB in KiB
	h.add(row{
		Name:     fmt.Sprintf("memory: peak RSS, %d VUs of queue-concurrency.js", h.vus),
		Measured: fmt.Sprintf("%.0f MiB", float64(u.PeakRSSKB)/1024),
		Target:   "<= 1024 MiB",
		Verdict:  verdict(u.PeakRSSKB <= limit),
		Detail: fmt.Sprintf("%.0f KB/VU; ramp 20s, hold 20s; %.0f requests, %.2f%% failed; CPU %.1f s; exit %d; first request after %.2f s",
			float64(u.PeakRSSKB)/float64(h.vus), reqs, failed*100, u.CPU().Seconds(), u.ExitCode, first.Seconds()),
	})
	return nil
}

// processStartup starts `stampede run` of queue-concurrency.js (h.vus VUs)
// h.repeat times against one target and measures, each time, the time
// from starting the process to its first request's first byte reaching
// the target (through a bench.FirstByteProxy in front of it); the process
// is then killed. It reports the median.
func (h *harness) processStartup(ctx context.Context) error {
	t, err := h.startTarget(ctx)
	if err != nil {
		return err
	}
	defer t.stop()
	args := []string{"run", "-q", "--no-summary", "-e", fmt.Sprintf("TARGET_VUS=%d", h.vus), "-e", "RAMP_UP=20s",
		filepath.Join(h.scripts, "queue-concurrency.js")}
	var took []float64
	var rss []int64
	for rep := range h.repeat {
		// The first request is seen by a forwarding proxy in front of the
		// target, not by polling the target's /metrics: polling every
		// 10 ms took CPU from the start-up it measured.
		proxy, err := bench.StartFirstByteProxy(strings.TrimPrefix(t.url, "http://"))
		if err != nil {
			return err
		}
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		c, err := bench.StartChild(rctx, h.stampede, args, []string{"BASE_URL=" + proxy.URL, "STRIPE_WEBHOOK_SECRET=" + t.secret}, 0)
		if err != nil {
			cancel()
			_ = proxy.Close()
			return err
		}
		var first time.Duration
		select {
		case at := <-proxy.First():
			first = at.Sub(c.Started())
		case <-rctx.Done():
		}
		kb, _ := c.RSSKB()
		_ = c.Signal(syscall.SIGKILL)
		_, _ = c.Wait()
		cancel()
		_ = proxy.Close()
		if first == 0 {
			return fmt.Errorf("start-up run %d: no request within a minute: %s", rep+1, tail(c.Stderr(), 600))
		}
		h.logf("start-up run %d: first request after %.2f s, RSS then %d MiB", rep+1, first.Seconds(), kb>>10)
		took = append(took, first.Seconds())
		rss = append(rss, kb)
	}
	med := bench.Median(slices.Clone(took))
	h.add(row{
		Name:     fmt.Sprintf("start-up: process start to first request, %d VUs", h.vus),
		Measured: fmt.Sprintf("%.2f s", med),
		Target:   "< 2 s",
		Verdict:  verdict(med < 2),
		Detail: fmt.Sprintf("median of %d runs (%s s); loading the script, initialising all VUs, setup(), the first request; RSS then %d MiB",
			len(took), fmtFloats(took), bench.Median(slices.Clone(rss))>>10),
	})
	return nil
}

// --- CPU per request: stampede, hey and wrk against one loopback server ---

const getCheckScript = `import http from 'k6/http';
import { check } from 'k6';

export default function () {
  const res = http.get(__ENV.URL);
  check(res, { 'status is 200': (r) => r.status === 200 });
}
`

func (h *harness) cpuPerRequest(ctx context.Context) error {
	srv, err := bench.StartServer()
	if err != nil {
		return err
	}
	defer srv.Close()
	script := filepath.Join(h.tmp, "get-check.js")
	if err := os.WriteFile(script, []byte(getCheckScript), 0o644); err != nil {
		return err
	}
	dur := 10 * time.Second
	if h.full {
		dur = 30 * time.Second
	}
	url := srv.URL + "/me"
	secs := strconv.Itoa(int(dur.Seconds()))
	tools := []struct {
		name string
		bin  string
		args []string
	}{
		{"stampede", h.stampede, []string{"run", "-q", "--no-summary", "-u", "50", "-d", secs + "s", "-e", "URL=" + url, script}},
		{"hey", "hey", []string{"-c", "50", "-z", secs + "s", url}},
		{"wrk", "wrk", []string{"-t", "2", "-c", "50", "-d", secs + "s", url}},
	}
	type result struct{ cpuPerReq, rps []float64 }
	results := make(map[string]*result)
	for rep := range h.repeat {
		for _, tool := range tools {
			if _, err := exec.LookPath(tool.bin); err != nil {
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			before := srv.Requests()
			c, err := bench.StartChild(ctx, tool.bin, tool.args, nil, 0)
			if err != nil {
				return err
			}
			u, err := c.Wait()
			if err != nil {
				return err
			}
			if u.ExitCode != 0 {
				return fmt.Errorf("%s exited %d: %s", tool.name, u.ExitCode, tail(c.Stderr(), 400))
			}
			n := srv.Requests() - before
			if n == 0 {
				return fmt.Errorf("%s made no request", tool.name)
			}
			r := results[tool.name]
			if r == nil {
				r = &result{}
				results[tool.name] = r
			}
			r.cpuPerReq = append(r.cpuPerReq, float64(u.CPU().Microseconds())/float64(n))
			r.rps = append(r.rps, float64(n)/u.Wall.Seconds())
			h.logf("cpu run %d %s: %d requests, %.1f req/s, CPU %.2f s (user %.2f, sys %.2f), %.1f µs/request",
				rep+1, tool.name, n, float64(n)/u.Wall.Seconds(), u.CPU().Seconds(), u.User.Seconds(), u.Sys.Seconds(), float64(u.CPU().Microseconds())/float64(n))
		}
	}
	hey := results["hey"]
	for _, tool := range tools {
		r := results[tool.name]
		if r == nil {
			h.add(row{Name: "cpu/request: " + tool.name, Measured: "n/a", Verdict: "INFO", Detail: tool.bin + " is not installed (apt-get install " + tool.bin + ")"})
			continue
		}
		cpr := bench.Median(slices.Clone(r.cpuPerReq))
		rr := row{
			Name:     fmt.Sprintf("cpu/request: %s, 50 conns, http.get small JSON", tool.name),
			Measured: fmt.Sprintf("%.1f µs", cpr),
			Verdict:  "INFO",
			Detail:   fmt.Sprintf("median of %d x %s; %.0f req/s", len(r.cpuPerReq), dur, bench.Median(slices.Clone(r.rps))),
		}
		if tool.name == "stampede" {
			rr.Name = "cpu/request: stampede, 50 VUs, http.get + check"
			if hey != nil && len(hey.cpuPerReq) == len(r.cpuPerReq) {
				// The machine's load changes between rounds: compare the
				// tools round by round and take the median ratio.
				ratios := make([]float64, len(r.cpuPerReq))
				for i := range ratios {
					ratios[i] = r.cpuPerReq[i] / hey.cpuPerReq[i]
				}
				inOrder := fmtFloats(ratios)
				ratio := bench.Median(ratios)
				hcpr := bench.Median(slices.Clone(hey.cpuPerReq))
				rr.Target = fmt.Sprintf("<= hey (%.1f µs)", hcpr)
				rr.Verdict = verdict(ratio <= 1)
				rr.Detail += fmt.Sprintf("; %.2fx hey (median of the rounds' ratios %s)", ratio, inOrder)
			}
		}
		h.add(rr)
	}
	return nil
}

// fmtFloats formats values with two decimals, comma-separated.
func fmtFloats(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, ", ")
}

// --- flat memory at a high request rate ---

const rateScript = `import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    rate: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE),
      timeUnit: '1s',
      duration: __ENV.DURATION,
      preAllocatedVUs: Number(__ENV.VUS),
      maxVUs: Number(__ENV.MAX_VUS),
    },
  },
};

export default function () {
  const res = http.get(__ENV.URL);
  check(res, { 'status is 200': (r) => r.status === 200 });
}
`

// rateRun runs rateScript against srv's path at rate iterations/s for dur.
// It has vus VUs from the start and no more, so that memory is compared
// with the same VUs (a busy machine drops iterations instead of adding VUs).
func (h *harness) rateRun(ctx context.Context, srv *bench.Server, path string, rate, vus int, dur time.Duration, sampleEvery time.Duration) (bench.Usage, *bench.SummaryExport, error) {
	script := filepath.Join(h.tmp, "rate.js")
	if err := os.WriteFile(script, []byte(rateScript), 0o644); err != nil {
		return bench.Usage{}, nil, err
	}
	export := filepath.Join(h.tmp, "rate-summary.json")
	_ = os.Remove(export)
	args := []string{"run", "-q", "--summary-export", export,
		"-e", "URL=" + srv.URL + path, "-e", "RATE=" + strconv.Itoa(rate), "-e", "DURATION=" + dur.String(),
		"-e", "VUS=" + strconv.Itoa(vus), "-e", "MAX_VUS=" + strconv.Itoa(vus), script}
	rctx, cancel := context.WithTimeout(ctx, dur+2*time.Minute)
	defer cancel()
	c, err := bench.StartChild(rctx, h.stampede, args, nil, sampleEvery)
	if err != nil {
		return bench.Usage{}, nil, err
	}
	u, err := c.Wait()
	if err != nil {
		return u, nil, err
	}
	if u.ExitCode != 0 {
		return u, nil, fmt.Errorf("stampede run exited %d: %s", u.ExitCode, tail(c.Stderr(), 600))
	}
	sum, err := bench.ReadSummaryExport(export)
	return u, sum, err
}

func (h *harness) flatMemory(ctx context.Context) error {
	srv, err := bench.StartServer()
	if err != nil {
		return err
	}
	defer srv.Close()
	const rate = 5000
	dur := 2 * time.Minute
	if h.full {
		dur = 10 * time.Minute
	}
	before := srv.Requests()
	u, sum, err := h.rateRun(ctx, srv, "/me", rate, 300, dur, time.Second)
	if err != nil {
		return err
	}
	n := srv.Requests() - before
	at1 := u.RSSAt(time.Minute)
	end := u.RSSAt(u.Wall - 3*time.Second) // before the summary
	dropped, _ := sum.Value("dropped_iterations", "count")
	change := float64(end-at1) / float64(at1) * 100
	h.add(row{
		Name:     fmt.Sprintf("flat memory: RSS at end vs at 1 min, %d req/s for %s", rate, dur),
		Measured: fmt.Sprintf("%+.1f%%", change),
		Target:   "within ±10%",
		Verdict:  verdict(at1 > 0 && change <= 10 && change >= -10),
		Detail: fmt.Sprintf("%.0f MiB at 1 min, %.0f MiB at end, peak %.0f MiB; %.0f req/s achieved; %.0f dropped; CPU %.0f%% of a core",
			float64(at1)/1024, float64(end)/1024, float64(u.PeakRSSKB)/1024, float64(n)/dur.Seconds(), dropped, u.CPU().Seconds()/u.Wall.Seconds()*100),
	})
	return nil
}

// --- arrival-rate precision ---

func (h *harness) arrivalRate(ctx context.Context) error {
	srv, err := bench.StartServer()
	if err != nil {
		return err
	}
	defer srv.Close()
	const rate = 2000
	dur := 60 * time.Second
	_, sum, err := h.rateRun(ctx, srv, "/arrive", rate, 200, dur, time.Second)
	if err != nil {
		return err
	}
	arrivals := srv.TakeArrivals()
	want := float64(rate) * dur.Seconds()
	got := float64(len(arrivals))
	dev := (got - want) / want * 100
	dropped, _ := sum.Value("dropped_iterations", "count")
	h.add(row{
		Name:     fmt.Sprintf("arrival rate: iterations started, %d/s for %s", rate, dur),
		Measured: fmt.Sprintf("%.0f (%+.3f%%)", got, dev),
		Target:   fmt.Sprintf("%.0f ± 0.5%%", want),
		Verdict:  verdict(dev <= 0.5 && dev >= -0.5),
		Detail:   fmt.Sprintf("%.0f dropped", dropped),
	})
	late := bench.Lateness(arrivals, time.Second/rate)
	p99 := bench.Percentile(late, 0.99)
	h.add(row{
		Name:     "arrival rate: p99 lateness of starts vs schedule",
		Measured: fmt.Sprintf("%.2f ms", float64(p99.Microseconds())/1000),
		Target:   "< 2 ms",
		Verdict:  verdict(len(late) > 0 && p99 < 2*time.Millisecond),
		Detail: fmt.Sprintf("end to end (request arrival at the server); p50 %.2f ms, p99.9 %.2f ms, max %.2f ms",
			float64(bench.Percentile(late, 0.5).Microseconds())/1000, float64(bench.Percentile(late, 0.999).Microseconds())/1000,
			float64(bench.Percentile(late, 1).Microseconds())/1000),
	})
	return nil
}

// --- the seed's full queue-concurrency profile ---

func (h *harness) seedProfile(ctx context.Context) error {
	u, first, sum, err := h.queueRun(ctx, nil, 20*time.Minute)
	if err != nil {
		return err
	}
	reqs, _ := sum.Value("http_reqs", "count")
	p95, _ := sum.Value("http_req_duration", "p(95)")
	failed, _ := sum.Value("http_req_failed", "value")
	join, _ := sum.Value("queue_join_latency", "p(95)")
	h.add(row{
		Name:     "seed profile: queue-concurrency, 10,000 VUs, 10m ramp + 2m ramp-down",
		Measured: fmt.Sprintf("exit %d", u.ExitCode),
		Target:   "exit 0 (thresholds pass)",
		Verdict:  verdict(u.ExitCode == 0),
		Detail: fmt.Sprintf("peak RSS %.0f MiB; CPU %.0f s (%.0f%% of a core); first request after %.1f s; %.0f requests; http_req_duration p95 %.2f ms; failed %.3f%%; queue_join_latency p95 %.2f ms",
			float64(u.PeakRSSKB)/1024, u.CPU().Seconds(), u.CPU().Seconds()/u.Wall.Seconds()*100, first.Seconds(), reqs, p95, failed*100, join),
	})
	return nil
}

// --- helpers ---

// selfCPU is this process's user + system CPU time so far.
func selfCPU() time.Duration {
	user, sys := selfCPUSplit()
	return user + sys
}

// selfCPUSplit is this process's user and system CPU time.
func selfCPUSplit() (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
