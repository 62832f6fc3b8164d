package modulestest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/js/modulestest"
	"github.com/stampede-load/stampede/metrics"
)

// counterModule is a throwaway extension: add(n) emits a sample of a
// counter; inInit() reports whether the VU is in its init context.
type counterModule struct{}

type counterInstance struct{ vu modules.VU }

func (counterModule) NewModuleInstance(vu modules.VU) modules.Instance {
	return &counterInstance{vu: vu}
}

func (c *counterInstance) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"add": func(n float64) {
			st := c.vu.State()
			if st == nil {
				panic(c.vu.Runtime().NewGoError(errInit))
			}
			m, err := st.Registry.NewMetric("things", metrics.Counter)
			if err != nil {
				panic(c.vu.Runtime().NewGoError(err))
			}
			st.Samples.Add(metrics.Sample{Metric: m, Tags: st.Tags.Tags(), Time: time.Now(), Value: n})
		},
		"inInit": func() bool { return c.vu.InitEnv() != nil && c.vu.State() == nil },
		"later": func(v sobek.Value) *sobek.Promise {
			p, resolve, _ := c.vu.Runtime().NewPromise()
			enqueue := c.vu.RegisterCallback()
			go func() {
				time.Sleep(5 * time.Millisecond)
				enqueue(func() error { return resolve(v) })
			}()
			return p
		},
	}}
}

type initError struct{}

func (initError) Error() string { return "add() is not allowed in the init context" }

var errInit = initError{}

func init() { modules.Register("k6/x/modulestest", counterModule{}) }

func TestRunScript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     string
		want    string
		wantErr string
	}{
		{name: "completion value", src: `1 + 2`, want: "3"},
		{name: "require builtin", src: `typeof require("k6/timers").setTimeout`, want: "function"},
		{name: "require extension", src: `require("k6/x/modulestest").inInit()`, want: "true"},
		{name: "unknown module", src: `require("k6/x/nope")`, wantErr: `unknown module "k6/x/nope"`},
		{name: "init rule from module", src: `require("k6/x/modulestest").add(1)`, wantErr: "not allowed in the init context"},
		{name: "exception", src: `throw new Error("boom")`, wantErr: "boom"},
		{name: "promise result", src: `Promise.resolve(42)`, want: "42"},
		{name: "async await with callback", src: `(async () => (await require("k6/x/modulestest").later("v")) + "!")()`, want: "v!"},
		{name: "rejected promise", src: `(async () => { throw new Error("nope") })()`, wantErr: "promise rejected: Error: nope"},
		{name: "unhandled rejection", src: `Promise.reject(new Error("lost")); 1`, wantErr: "Uncaught (in promise) Error: lost"},
		{name: "handled rejection", src: `Promise.reject(new Error("x")).catch(() => {}); 1`, want: "1"},
		{
			name: "timers in order",
			src: `var out = [];
				setTimeout(() => out.push("c"), 20);
				setTimeout(() => out.push("a"), 0);
				setTimeout(() => out.push("b"), 0);
				var id = setTimeout(() => out.push("never"), 5);
				clearTimeout(id);
				new Promise(r => setTimeout(r, 30)).then(() => out.join(""))`,
			want: "abc",
		},
		{
			name: "interval",
			src: `var n = 0;
				new Promise(resolve => { var id = setInterval((x) => { n += x; if (n >= 3) { clearInterval(id); resolve(n) } }, 1, 1) })`,
			want: "3",
		},
		{name: "timer callback throws", src: `setTimeout(() => { throw new Error("in timer") }, 1); 1`, wantErr: "in timer"},
		{name: "setTimeout needs a function", src: `setTimeout("x", 1)`, wantErr: "TypeError"},
		{name: "globals exist", src: `[typeof console.log, typeof setTimeout, typeof clearInterval, "setTimeout" in globalThis].join()`, want: "function,function,function,true"},
		{name: "globals can be replaced", src: `var seen = []; globalThis.console = { log: (m) => seen.push(m) }; console.log("x"); setTimeout = () => 7; [seen.join(), setTimeout()].join()`, want: "x,7"},
		{name: "global function declaration", src: `function setInterval() { return "mine" } setInterval()`, want: "mine"},
		{name: "unknown globals are still reference errors", src: `nosuchthing`, wantErr: "ReferenceError: nosuchthing is not defined"},
		{
			name: "es module import",
			src: `import { setTimeout as st } from "k6/timers";
				import ext from "k6/x/modulestest";
				export const kind = typeof st + "/" + typeof ext.inInit;`,
			want: "[object Object]",
		},
		{
			name: "typescript",
			src:  `const n: number = 2; export const doubled: number = n * 2;`,
			want: "[object Object]",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rt := modulestest.New(t)
			v, err := rt.RunScript(tc.src)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tc.want {
				t.Fatalf("result = %q, want %q", v.String(), tc.want)
			}
		})
	}
}

func TestRunScriptModuleExports(t *testing.T) {
	t.Parallel()
	rt := modulestest.New(t)
	v, err := rt.RunScript(`import { setTimeout as st } from "k6/timers";
		import ext from "k6/x/modulestest";
		import * as ns from "k6/x/modulestest";
		export const kind = [typeof st, typeof ext.inInit, typeof ns.later].join(",");`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.ToObject(rt.Sobek()).Get("kind").String(); got != "function,function,function" {
		t.Fatalf("kind = %q", got)
	}
}

func TestSamplesAfterMoveToVUContext(t *testing.T) {
	t.Parallel()
	rt := modulestest.New(t)
	if _, err := rt.RunScript(`var ext = require("k6/x/modulestest")`); err != nil {
		t.Fatal(err)
	}
	st := rt.NewState()
	st.Tags.SetTag("scenario", "default")
	rt.MoveToVUContext(st)
	if rt.VU().InitEnv() != nil || rt.VU().State() != st {
		t.Fatal("MoveToVUContext did not switch InitEnv/State")
	}
	if _, err := rt.RunScript(`ext.add(2); ext.add(3); ext.inInit()`); err != nil {
		t.Fatal(err)
	}
	got := rt.SamplesOf("things")
	if len(got) != 2 || got[0].Value != 2 || got[1].Value != 3 {
		t.Fatalf("samples = %+v", got)
	}
	if v, _ := got[0].Tags.Get("scenario"); v != "default" {
		t.Fatalf("tags = %v", got[0].Tags)
	}
	rt.ResetSamples()
	if n := len(rt.Samples()); n != 0 {
		t.Fatalf("%d samples after ResetSamples", n)
	}
}

func TestConsoleLogs(t *testing.T) {
	t.Parallel()
	rt := modulestest.New(t)
	if _, err := rt.RunScript(`console.log("a", 1, {b: [2]}); console.error(new Error("bad")); console.debug("dbg")`); err != nil {
		t.Fatal(err)
	}
	logs := rt.Logs()
	if len(logs) != 3 {
		t.Fatalf("%d entries", len(logs))
	}
	if logs[0].Message != `a 1 {"b":[2]}` || logs[0].Data["source"] != "console" || logs[0].Level.String() != "info" {
		t.Fatalf("log entry = %+v", logs[0])
	}
	if !strings.HasPrefix(logs[1].Message, "Error: bad") || logs[1].Level.String() != "error" {
		t.Fatalf("error entry = %+v", logs[1])
	}
	if logs[2].Level.String() != "debug" {
		t.Fatalf("debug entry = %+v", logs[2])
	}
	rt.MoveToVUContext(rt.NewState())
	if _, err := rt.RunScript(`console.warn("w")`); err != nil {
		t.Fatal(err)
	}
	e := rt.Logs()[3]
	if e.Data["vu"] != uint64(1) || e.Data["iter"] != int64(0) {
		t.Fatalf("running entry fields = %v", e.Data)
	}
}

func TestCancelDropsTimers(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	rt := modulestest.New(t, modulestest.WithContext(ctx))
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	if _, err := rt.RunScript(`var fired = false; setTimeout(() => { fired = true }, 60000); 1`); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("RunScript waited %v for a dropped timer", d)
	}
	if v, _ := rt.RunScript(`fired`); v.ToBoolean() {
		t.Fatal("timer ran after its context was cancelled")
	}
}

func TestEnvAndTestController(t *testing.T) {
	t.Parallel()
	rt := modulestest.New(t, modulestest.WithEnv(map[string]string{"A": "1"}))
	v, err := rt.RunScript(`__ENV.A`)
	if err != nil || v.String() != "1" {
		t.Fatalf("__ENV.A = %v, %v", v, err)
	}
	st := rt.NewState()
	st.Test.Abort("why")
	if ok, reason := rt.Test.Aborted(); !ok || reason != "why" {
		t.Fatal("abort not recorded")
	}
	rt.Execution.Active.Store(3)
	if st.Execution.VUsActive() != 3 {
		t.Fatal("execution info not wired")
	}
}
