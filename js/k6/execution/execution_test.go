package execution_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/engine"
	_ "github.com/stampede-load/stampede/js/k6/execution"
	"github.com/stampede-load/stampede/js/modulestest"
	"github.com/stampede-load/stampede/metrics"
)

func running(t *testing.T) *modulestest.Runtime {
	t.Helper()
	vus := int64(5)
	rt := modulestest.New(t, modulestest.WithOptions(&config.Options{VUs: &vus}))
	st := rt.NewState()
	st.Tags = metrics.NewTagsAndMeta(metrics.NewTagSet(map[string]string{"scenario": "default"}))
	rt.MoveToVUContext(st)
	return rt
}

func TestVUMetricsTags(t *testing.T) {
	t.Parallel()
	rt := running(t)
	v, err := rt.RunScript(`const exec = require("k6/execution");
		const tags = exec.vu.metrics.tags;
		tags.a = "x"; tags.n = 2; tags.b = true;
		delete tags.scenario;
		exec.vu.metrics.metadata.trace = "t";
		[Object.keys(tags).join(), tags.a, tags.n, "a" in tags, exec.vu.tags === tags, exec.vu.metrics.metadata.trace].join("|")`)
	if err != nil {
		t.Fatal(err)
	}
	if v.String() != "a,b,n|x|2|true|true|t" {
		t.Fatalf("got %s", v)
	}
	st := rt.VU().State()
	if got := st.Tags.Tags().String(); got != "a:x,b:true,n:2" {
		t.Fatalf("state tags = %s", got)
	}
	if st.Tags.Metadata()["trace"] != "t" {
		t.Fatal("metadata not set")
	}
	for _, bad := range []string{`exec.vu.metrics.tags.o = {}`, `exec.vu.metrics.tags.u = undefined`, `exec.vu.metrics.metadata.f = () => 1`} {
		if _, err := rt.RunScript(bad); err == nil || !strings.Contains(err.Error(), "only string, number and boolean values") {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
}

func TestOptionsAreFrozen(t *testing.T) {
	t.Parallel()
	rt := running(t)
	v, err := rt.RunScript(`"use strict"; const o = require("k6/execution").test.options; let threw = false; try { o.vus = 1 } catch (e) { threw = true } [o.vus, threw].join()`)
	if err != nil {
		t.Fatal(err)
	}
	if v.String() != "5,true" {
		t.Fatalf("got %s", v)
	}
}

func TestAbortInterrupts(t *testing.T) {
	t.Parallel()
	rt := running(t)
	_, err := rt.RunScript(`require("k6/execution").test.abort("why"); globalThis.after = true`)
	if !errors.Is(err, engine.ErrScriptAborted) {
		t.Fatalf("err = %v", err)
	}
	if ok, reason := rt.Test.Aborted(); !ok || reason != "why" {
		t.Fatalf("abort not reported: %v %q", ok, reason)
	}
	rt.Sobek().ClearInterrupt()
	if v, _ := rt.RunScript(`globalThis.after`); v != nil && v.ToBoolean() {
		t.Fatal("code after abort() ran")
	}
}

func TestInstanceAndScenario(t *testing.T) {
	t.Parallel()
	rt := running(t)
	rt.Execution.Active.Store(4)
	rt.Execution.Completed.Store(10)
	v, err := rt.RunScript(`const exec = require("k6/execution"); [exec.instance.vusActive, exec.instance.iterationsCompleted, exec.scenario.name, exec.scenario.executor, Object.keys(exec.scenario).length].join()`)
	if err != nil {
		t.Fatal(err)
	}
	if v.String() != "4,10,default,per-vu-iterations,6" {
		t.Fatalf("got %s", v)
	}
	rt.VU().State().Scenario = nil
	if _, err := rt.RunScript(`require("k6/execution").scenario.name`); err == nil || !strings.Contains(err.Error(), "outside of a scenario") {
		t.Fatalf("err = %v", err)
	}
}
