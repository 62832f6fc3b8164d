package js_test

import (
	"context"
	"errors"
	"strings"
	"testing"

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
