package js_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js"
)

func TestIterationSamples(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `
		import exec from "k6/execution";
		import example from "k6/x/example";
		export const options = { tags: { team: "a" } };
		export function named() {
			exec.vu.metrics.tags.mytag = "x";
			exec.vu.metrics.metadata.trace = "t1";
			example.count(2);
		}`})
	if !e.r.IsExecutable("named") || e.r.IsExecutable("default") || e.r.IsExecutable("options") {
		t.Fatal("IsExecutable")
	}
	v := e.vu(3)
	a := v.Activate(&engine.VUActivationParams{
		RunContext: context.Background(),
		Exec:       "named",
		Tags:       map[string]string{"scen": "tag"},
		Scenario:   scenario("s1"),
	})
	if err := a.RunOnce(); err != nil {
		t.Fatal(err)
	}
	it := e.out.of("iterations")
	dur := e.out.of("iteration_duration")
	ex := e.out.of("example_count")
	if len(it) != 1 || len(dur) != 1 || len(ex) != 1 || it[0].Value != 1 || ex[0].Value != 2 {
		t.Fatalf("samples: %d iterations, %d durations, %d example_count", len(it), len(dur), len(ex))
	}
	want := "group:,mytag:x,scen:tag,scenario:s1,team:a"
	if got := it[0].Tags.String(); got != want {
		t.Fatalf("iteration tags = %s, want %s", got, want)
	}
	if it[0].Metadata["trace"] != "t1" {
		t.Fatalf("metadata = %v", it[0].Metadata)
	}
	if got := ex[0].Tags.String(); got != want {
		t.Fatalf("extension sample tags = %s", got)
	}
}

func TestInterrupt(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body string }{
		{"busy loop", `for (;;) {}`},
		{"sleep", `sleep(60)`},
		{"pending timer", `setTimeout(() => {}, 60000)`},
		{"awaiting a timer", `return new Promise((r) => setTimeout(r, 60000))`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := mustLoad(t, map[string]string{"script.js": `import { sleep } from "k6"; export default function () { ` + tc.body + ` }`})
			v := e.vu(1)
			ctx, cancel := context.WithCancel(context.Background())
			deactivated := make(chan struct{})
			a := v.Activate(&engine.VUActivationParams{
				RunContext:         ctx,
				Scenario:           scenario("default"),
				DeactivateCallback: func(engine.InitializedVU) { close(deactivated) },
			})
			time.AfterFunc(30*time.Millisecond, cancel)
			err := a.RunOnce()
			if !errors.Is(err, js.ErrInterrupted) || !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v", err)
			}
			select {
			case <-deactivated:
			case <-time.After(10 * time.Second):
				t.Fatal("DeactivateCallback not called")
			}
			if n := len(e.out.of("iterations")); n != 0 {
				t.Fatalf("an interrupted iteration emitted %d iterations samples", n)
			}
			if err := a.RunOnce(); err == nil || errors.Is(err, js.ErrInterrupted) {
				t.Fatalf("RunOnce after the end of the activation: %v", err)
			}
			// The VU can be activated again and interrupted again.
			ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel2()
			if err := activate(ctx2, v, "").RunOnce(); !errors.Is(err, js.ErrInterrupted) {
				t.Fatalf("second activation: %v", err)
			}
		})
	}
}

func TestReactivation(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `
		import exec from "k6/execution";
		export default function () { globalThis.seen = (globalThis.seen || "") + [exec.scenario.name, exec.vu.iterationInScenario, exec.vu.iterationInInstance, __ENV.X || "-"].join(":") + " " }
		export function check() { if (globalThis.seen !== "a:0:0:1 a:1:1:1 b:0:2:- a:2:3:- ") throw new Error(globalThis.seen) }`})
	v := e.vu(1)
	run := func(scen string, env map[string]string, n int) {
		ctx, cancel := context.WithCancel(context.Background())
		a := v.Activate(&engine.VUActivationParams{RunContext: ctx, Scenario: scenario(scen), Env: env})
		for range n {
			if err := a.RunOnce(); err != nil {
				t.Fatal(err)
			}
		}
		cancel()
	}
	run("a", map[string]string{"X": "1"}, 2)
	run("b", nil, 1)
	run("a", nil, 1)
	if err := activate(context.Background(), v, "check").RunOnce(); err != nil {
		t.Fatal(err)
	}
}

func TestIterationWaitsForTimers(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `export default function () { setTimeout(() => { globalThis.done = true }, 40) }
		export function check() { if (!globalThis.done) throw new Error("timer did not run") }`})
	v := e.vu(1)
	start := time.Now()
	if err := activate(context.Background(), v, "").RunOnce(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("iteration ended after %v, before its timer", d)
	}
	if d := e.out.of("iteration_duration")[0].Value; d < 40 {
		t.Fatalf("iteration_duration = %vms", d)
	}
	if err := activate(context.Background(), v, "check").RunOnce(); err != nil {
		t.Fatal(err)
	}
}

func TestMinIterationDuration(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `export const options = { minIterationDuration: "50ms" }; export default function () {}`})
	start := time.Now()
	if err := activate(context.Background(), e.vu(1), "").RunOnce(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("iteration took %v", d)
	}
}

func TestSetupDataPerVU(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `
		export function setup() { return { list: [1] } }
		export default function (data) { data.list.push(__VU); if (data.list.length !== 1 + __ITER + 1) throw new Error(JSON.stringify(data)) }
		export function teardown(data) { if (data.list.length !== 1) throw new Error("teardown got mutated data " + JSON.stringify(data)) }`})
	raw, err := e.r.Setup(context.Background(), e.out)
	if err != nil || string(raw) != `{"list":[1]}` {
		t.Fatalf("setup = %s, %v", raw, err)
	}
	for id := uint64(1); id <= 2; id++ {
		a := activate(context.Background(), e.vu(id), "")
		for range 2 {
			if err := a.RunOnce(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := e.r.Teardown(context.Background(), e.out); err != nil {
		t.Fatal(err)
	}
}

func TestSetupTeardownGroupsAndTimeout(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `
		import { check, sleep } from "k6";
		export function setup() { check(1, { "in setup": true }) }
		export default function () {}
		export function teardown() { sleep(60) }`})
	if _, err := e.r.Setup(context.Background(), e.out); err != nil {
		t.Fatal(err)
	}
	c := e.out.of("checks")
	if len(c) != 1 {
		t.Fatalf("%d checks", len(c))
	}
	if g, _ := c[0].Tags.Get("group"); g != "::setup" {
		t.Fatalf("setup group tag = %q", g)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := e.r.Teardown(ctx, e.out)
	if !errors.Is(err, engine.ErrTeardownTimeout) {
		t.Fatalf("teardown err = %v", err)
	}
}

func TestHandleSummary(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `
		import { textSummary, jUnit } from "https://jslib.k6.io/k6-summary/0.1.0/index.js";
		export default function () {}
		export async function handleSummary(data) {
			await null;
			return {
				stdout: textSummary(data, { indent: " ", enableColors: false }),
				"out/junit.xml": jUnit(data),
				"raw.bin": new Uint8Array([1, 2, 3]).buffer,
			};
		}`})
	if !e.r.HasHandleSummary() {
		t.Fatal("HasHandleSummary")
	}
	data := map[string]any{
		"root_group": map[string]any{"name": "", "path": "", "id": "x", "groups": []any{}, "checks": []any{
			map[string]any{"name": "status is 200", "path": "::status is 200", "id": "y", "passes": 90, "fails": 0},
		}},
		"options": map[string]any{"summaryTrendStats": []string{"avg", "min", "med", "max", "p(90)", "p(95)"}, "summaryTimeUnit": "", "noColor": true},
		"state":   map[string]any{"isStdOutTTY": false, "isStdErrTTY": false, "testRunDurationMs": 6858.6},
		"metrics": map[string]any{
			"http_req_duration": map[string]any{"type": "trend", "contains": "time", "values": map[string]any{
				"avg": 140.36, "min": 119.08, "med": 140.96, "max": 154.63, "p(90)": 146.88, "p(95)": 148.21,
			}, "thresholds": map[string]any{"p(95)<1500": map[string]any{"ok": true}}},
			"http_req_duration{expected_response:true}": map[string]any{"type": "trend", "contains": "time", "values": map[string]any{
				"avg": 140.36, "min": 119.08, "med": 140.96, "max": 154.63, "p(90)": 146.88, "p(95)": 148.21,
			}},
			"http_req_failed": map[string]any{"type": "rate", "contains": "default", "values": map[string]any{"rate": 0, "passes": 0, "fails": 45}},
			"http_reqs":       map[string]any{"type": "counter", "contains": "default", "values": map[string]any{"count": 45, "rate": 6.56109}},
			"iterations":      map[string]any{"type": "counter", "contains": "default", "values": map[string]any{"count": 45, "rate": 6.56109}},
			"vus":             map[string]any{"type": "gauge", "contains": "default", "values": map[string]any{"value": 1, "min": 1, "max": 1}},
			"data_received":   map[string]any{"type": "counter", "contains": "data", "values": map[string]any{"count": 519000, "rate": 76000}},
			"data_sent":       map[string]any{"type": "counter", "contains": "data", "values": map[string]any{"count": 4500, "rate": 660}},
			"checks":          map[string]any{"type": "rate", "contains": "default", "values": map[string]any{"rate": 1, "passes": 90, "fails": 0}},
			"my_counter":      map[string]any{"type": "counter", "contains": "default", "values": map[string]any{"count": 3, "rate": 0.5}},
		},
	}
	out, err := e.r.HandleSummary(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	read := func(k string) string {
		r, ok := out[k]
		if !ok {
			t.Fatalf("no %q in %v", k, out)
		}
		b, _ := io.ReadAll(r)
		return string(b)
	}
	text := read("stdout")
	for _, want := range []string{
		"  █ THRESHOLDS\n\n    http_req_duration\n    ✓ 'p(95)<1500' p(95)=148.21ms\n",
		"  █ TOTAL RESULTS\n\n    checks_total.......................: 90      13.12",
		"    checks_succeeded...................: 100.00% 90 out of 90\n",
		"    checks_failed......................: 0.00%   0 out of 90\n\n    ✓ status is 200\n",
		"    HTTP\n    http_req_duration..................: avg=140.36ms min=119.08ms med=140.96ms max=154.63ms p(90)=146.88ms p(95)=148.21ms\n",
		"      { expected_response:true }.......: avg=140.36ms",
		"    http_req_failed....................: 0.00%  0 out of 45\n    http_reqs..........................: 45     6.56109/s\n",
		"    EXECUTION\n    iterations.........................: 45     6.56109/s\n    vus................................: 1      min=1       max=1\n",
		"    NETWORK\n    data_received......................: 519 kB 76 kB/s\n    data_sent..........................: 4.5 kB 660 B/s\n",
		"    CUSTOM\n    my_counter.........................: 3      0.5/s\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text summary lacks\n%q\ngot:\n%s", want, text)
		}
	}
	if x := read("out/junit.xml"); !strings.Contains(x, `<testcase name="http_req_duration - p(95)&lt;1500" classname="Unnamed folder" />`) || !strings.Contains(x, `tests="1" failures="0"`) {
		t.Errorf("junit = %s", x)
	}
	if b := read("raw.bin"); b != "\x01\x02\x03" {
		t.Errorf("raw.bin = %q", b)
	}
}

func TestHandleSummaryBadValue(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `export default function () {}
		export function handleSummary() { return { stdout: 42 } }`})
	_, err := e.r.HandleSummary(context.Background(), map[string]any{})
	if err == nil || !strings.Contains(err.Error(), `for "stdout": the value must be a string or an ArrayBuffer`) {
		t.Fatalf("err = %v", err)
	}
}

func TestUnknownOptionWarns(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `export const options = { vus: 1, nonsense: true }; export default function () {}`})
	var found bool
	for _, l := range e.logs.AllEntries() {
		found = found || strings.Contains(l.Message, `"nonsense"`)
	}
	if !found {
		t.Fatal("no warning for an unknown option")
	}
	_ = config.Bool
}

func TestConsoleFields(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `console.info("init"); export default function () { console.warn("run", { a: 1 }) }`})
	if err := activate(context.Background(), e.vu(2), "").RunOnce(); err != nil {
		t.Fatal(err)
	}
	var last = e.logs.LastEntry()
	if last.Message != `run {"a":1}` || last.Data["source"] != "console" || last.Data["vu"] != uint64(2) || last.Data["iter"] != int64(0) || last.Level.String() != "warning" {
		t.Fatalf("entry = %+v", last)
	}
	first := e.logs.AllEntries()[0]
	if first.Message != "init" || first.Data["source"] != "console" {
		t.Fatalf("init entry = %+v", first)
	}
}

func TestInterruptWithCause(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `export default function () { for (;;) {} }`})
	ctx, cancel := context.WithCancelCause(context.Background())
	a := activate(ctx, e.vu(1), "")
	cause := errors.New("graceful stop over")
	time.AfterFunc(20*time.Millisecond, func() { cancel(cause) })
	err := a.RunOnce()
	if !errors.Is(err, js.ErrInterrupted) || !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
		t.Fatalf("err = %v", err)
	}
}

func TestAbortAndFail(t *testing.T) {
	t.Parallel()
	t.Run("abort in init", func(t *testing.T) {
		t.Parallel()
		_, err := load(t, map[string]string{"script.js": `import exec from "k6/execution"; exec.test.abort("no config"); export default function () {}`}, nil)
		if !errors.Is(err, engine.ErrScriptAborted) || !strings.Contains(err.Error(), "no config") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("abort in setup", func(t *testing.T) {
		t.Parallel()
		e := mustLoad(t, map[string]string{"script.js": `import exec from "k6/execution"; export function setup() { exec.test.abort("setup says no") } export default function () {}`})
		_, err := e.r.Setup(context.Background(), e.out)
		if !errors.Is(err, engine.ErrScriptAborted) {
			t.Fatalf("err = %v", err)
		}
		if len(e.test.aborts) != 1 || e.test.aborts[0] != "setup says no" {
			t.Fatalf("aborts = %v", e.test.aborts)
		}
		// The main VU is usable afterwards (the interrupt was cleared).
		if err := e.r.Teardown(context.Background(), e.out); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("fail goes on", func(t *testing.T) {
		t.Parallel()
		e := mustLoad(t, map[string]string{"script.js": `import exec from "k6/execution"; export default function () { exec.test.fail("bad"); globalThis.after = true }
			export function check() { if (!globalThis.after) throw new Error("stopped") }`})
		v := e.vu(1)
		if err := activate(context.Background(), v, "").RunOnce(); err != nil {
			t.Fatal(err)
		}
		if err := activate(context.Background(), v, "check").RunOnce(); err != nil {
			t.Fatal(err)
		}
		if len(e.test.fails) != 1 || e.test.fails[0] != "bad" {
			t.Fatalf("fails = %v", e.test.fails)
		}
	})
}
