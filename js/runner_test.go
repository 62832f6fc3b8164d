package js_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stampede-load/stampede/engine"
)

func TestRunnerSmoke(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{
		"script.js": `
import { check } from "k6";
import lib from "./lib.js";
export const options = { vus: 2, iterations: 4, tags: { team: "a" } };
export function setup() { return { n: lib.n } }
export default function (data) {
	console.log("iter", __ITER, "vu", __VU, data.n);
	check(data.n, { "is 42": (n) => n === 42 });
}
`,
		"lib.js": `export default { n: 42 };`,
	})
	if got := *e.r.Options().VUs; got != 2 {
		t.Fatalf("vus = %d", got)
	}
	if _, err := e.r.Setup(context.Background(), e.out); err != nil {
		t.Fatal(err)
	}
	a := activate(context.Background(), e.vu(1), "")
	for range 2 {
		if err := a.RunOnce(); err != nil {
			t.Fatal(err)
		}
	}
	checks := e.out.of("checks")
	if len(checks) != 2 || checks[0].Value != 1 {
		t.Fatalf("checks = %+v", checks)
	}
	if v, _ := checks[0].Tags.Get("team"); v != "a" {
		t.Fatalf("tags = %v", checks[0].Tags)
	}
	if n := len(e.out.of("iterations")); n != 2 {
		t.Fatalf("%d iterations", n)
	}
	logs := e.logs.AllEntries()
	if len(logs) != 2 || logs[1].Message != "iter 1 vu 1 42" {
		t.Fatalf("logs = %v", logs)
	}
}

func TestRunnerException(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": "export default function () {\n  throw new Error('boom');\n}\n"})
	err := activate(context.Background(), e.vu(1), "").RunOnce()
	if !errors.Is(err, engine.ErrScriptException) || !strings.Contains(err.Error(), "file:///s/script.js:2:9") {
		t.Fatalf("err = %v", err)
	}
}

// The REST API can run setup or teardown while the engine runs another on
// the same main VU: they take turns (the race detector sees the runtime
// shared otherwise), and a call that cannot get the VU before its deadline
// times out.
func TestMainVUTakesTurns(t *testing.T) {
	t.Parallel()
	e := mustLoad(t, map[string]string{"script.js": `
		let inside = 0;
		function busy(what) {
			if (inside++ !== 0) throw new Error(what + " ran while another main function was running");
			const end = Date.now() + 20;
			while (Date.now() < end) {}
			inside--;
			return { what };
		}
		export function setup() { return busy("setup") }
		export default function () {}
		export function teardown() { busy("teardown") }
		export function handleSummary() { busy("handleSummary"); return {} }`})
	errs := make(chan error, 12)
	for range 4 {
		go func() { _, err := e.r.Setup(context.Background(), e.out); errs <- err }()
		go func() { errs <- e.r.Teardown(context.Background(), e.out) }()
		go func() { _, err := e.r.HandleSummary(context.Background(), map[string]any{}); errs <- err }()
	}
	for range 12 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}

	release, err := e.r.TakeMainForTest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := e.r.Teardown(ctx, e.out); !errors.Is(err, engine.ErrTeardownTimeout) {
		t.Errorf("teardown waiting past its deadline: %v", err)
	}
}
