package k6_test

import (
	"context"
	"strings"
	"testing"
	"time"

	_ "github.com/stampede-load/stampede/js/k6"
	"github.com/stampede-load/stampede/js/modulestest"
	"github.com/stampede-load/stampede/metrics"
)

func running(t *testing.T) *modulestest.Runtime {
	t.Helper()
	rt := modulestest.New(t)
	st := rt.NewState()
	st.Tags = metrics.NewTagsAndMeta(metrics.NewTagSet(map[string]string{"group": "", "scenario": "default"}))
	rt.MoveToVUContext(st)
	return rt
}

func tag(s metrics.Sample, k string) string {
	v, _ := s.Tags.Get(k)
	return v
}

func TestCheck(t *testing.T) {
	t.Parallel()
	rt := running(t)
	v, err := rt.RunScript(`const { check } = require("k6");
		check(200, { "is 200": (s) => s === 200, "is 404": (s) => s === 404, "truthy": "yes" }, { extra: 1 })`)
	if err != nil {
		t.Fatal(err)
	}
	if v.ToBoolean() {
		t.Fatal("check() returned true with a failing check")
	}
	got := rt.SamplesOf("checks")
	want := []struct {
		name  string
		value float64
	}{{"is 200", 1}, {"is 404", 0}, {"truthy", 1}}
	if len(got) != len(want) {
		t.Fatalf("%d samples", len(got))
	}
	for i, w := range want {
		s := got[i]
		if tag(s, "check") != w.name || s.Value != w.value || tag(s, "extra") != "1" || tag(s, "scenario") != "default" {
			t.Errorf("sample %d = %v %v, want %s=%v", i, s.Tags, s.Value, w.name, w.value)
		}
	}
	if v, _ := rt.RunScript(`require("k6").check(1, { a: true, b: () => 1 })`); !v.ToBoolean() {
		t.Fatal("check() returned false with passing checks")
	}
}

func TestGroup(t *testing.T) {
	t.Parallel()
	rt := running(t)
	v, err := rt.RunScript(`const { group, check } = require("k6");
		const seen = [];
		const r = group("outer", () => {
			check(1, { "in outer": true });
			return group("inner", () => { check(1, { "in inner": true }); return 42 });
		});
		check(1, { "at root": true });
		r`)
	if err != nil {
		t.Fatal(err)
	}
	if v.ToInteger() != 42 {
		t.Fatalf("group returned %v", v)
	}
	checks := rt.SamplesOf("checks")
	for i, want := range []string{"::outer", "::outer::inner", ""} {
		if g := tag(checks[i], "group"); g != want {
			t.Errorf("check %d group = %q, want %q", i, g, want)
		}
	}
	gd := rt.SamplesOf("group_duration")
	if len(gd) != 2 || tag(gd[0], "group") != "::outer::inner" || tag(gd[1], "group") != "::outer" {
		t.Fatalf("group_duration samples = %+v", gd)
	}
	if rt.VU().State().Group != "" {
		t.Fatalf("group not restored: %q", rt.VU().State().Group)
	}
	// An exception inside a group still restores the group.
	if _, err := rt.RunScript(`require("k6").group("g", () => { throw new Error("x") })`); err == nil {
		t.Fatal("no error")
	}
	if g, _ := rt.VU().State().Tags.Tags().Get("group"); g != "" || rt.VU().State().Group != "" {
		t.Fatalf("group after exception = %q / %q", g, rt.VU().State().Group)
	}
	for _, bad := range []string{`group("a::b", () => {})`, `group("a", async () => {})`, `group("a")`} {
		if _, err := rt.RunScript(`const { group: g2 } = require("k6"); ` + strings.Replace(bad, "group(", "g2(", 1)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	rt := running(t)
	start := time.Now()
	if _, err := rt.RunScript(`require("k6").sleep(0.05)`); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("slept %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rt.SetContext(ctx)
	time.AfterFunc(20*time.Millisecond, cancel)
	start = time.Now()
	if _, err := rt.RunScript(`require("k6").sleep(60)`); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("sleep was not interrupted by the context (%v)", d)
	}
}

// sleep converts its argument as JavaScript's ToNumber does (as k6's,
// which took a float64 through reflection): a numeric string sleeps, and
// nothing, null, NaN or a negative number return at once. It returns
// undefined.
func TestSleepArguments(t *testing.T) {
	t.Parallel()
	rt := running(t)
	start := time.Now()
	v, err := rt.RunScript(`require("k6").sleep("0.03")`)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf(`sleep("0.03") slept %v`, d)
	}
	if v.ExportType() != nil {
		t.Errorf("sleep returned %v, want undefined", v)
	}
	start = time.Now()
	for _, arg := range []string{"", "null", "NaN", "-1", "0", `"abc"`, "undefined"} {
		if _, err := rt.RunScript(`require("k6").sleep(` + arg + `)`); err != nil {
			t.Errorf("sleep(%s): %v", arg, err)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("sleep of nothing, null, NaN, negative or zero took %v", d)
	}
}

// sleep hands the samples buffered so far to the metrics engine: a
// sleeping VU holds no batch, and thresholds see the samples sooner.
func TestSleepFlushesSamples(t *testing.T) {
	t.Parallel()
	rt := running(t)
	if _, err := rt.RunScript(`require("k6").check(1, { ok: true })`); err != nil {
		t.Fatal(err)
	}
	if n := len(rt.Ingested()); n != 0 {
		t.Fatalf("%d samples ingested before sleep, want 0 (still buffered)", n)
	}
	if _, err := rt.RunScript(`require("k6").sleep(0.001)`); err != nil {
		t.Fatal(err)
	}
	if got := rt.Ingested(); len(got) != 1 || got[0].Metric.Name != "checks" {
		t.Fatalf("ingested after sleep: %v, want the checks sample", got)
	}
}

func TestInitContext(t *testing.T) {
	t.Parallel()
	for _, fn := range []string{`check(1, {a: true})`, `group("g", () => {})`} {
		rt := modulestest.New(t)
		_, err := rt.RunScript(`const { check, group } = require("k6"); ` + fn)
		if err == nil || !strings.Contains(err.Error(), "in the init context is not supported") {
			t.Errorf("%s: error = %v", fn, err)
		}
	}
}
