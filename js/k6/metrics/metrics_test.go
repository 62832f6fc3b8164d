package metrics_test

import (
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/config"
	_ "github.com/stampede-load/stampede/js/k6/metrics"
	"github.com/stampede-load/stampede/js/modulestest"
	"github.com/stampede-load/stampede/metrics"
)

func tag(s metrics.Sample, k string) string {
	v, _ := s.Tags.Get(k)
	return v
}

// declare runs init code, then moves the VU to its run-time context with
// the VU tags given.
func declare(t *testing.T, initSrc string, vuTags map[string]string, opts ...modulestest.Option) *modulestest.Runtime {
	t.Helper()
	rt := modulestest.New(t, opts...)
	if _, err := rt.RunScript(initSrc); err != nil {
		t.Fatalf("init code: %v", err)
	}
	st := rt.NewState()
	st.Tags = metrics.NewTagsAndMeta(metrics.NewTagSet(vuTags))
	rt.MoveToVUContext(st)
	return rt
}

func TestConstructorsRegisterMetrics(t *testing.T) {
	t.Parallel()
	rt := declare(t, `
		const m = require("k6/metrics");
		globalThis.c = new m.Counter("my_counter");
		globalThis.g = new m.Gauge("my_gauge");
		globalThis.r = new m.Rate("my_rate");
		globalThis.tr = new m.Trend("my_trend");
		globalThis.tt = new m.Trend("my_time_trend", true);
		globalThis.again = new m.Counter("my_counter");
		[c.name, g.name, r.name, tr.name, tt.name, c instanceof m.Counter, tt instanceof m.Trend].join(",")`, nil)
	want := map[string]struct {
		typ metrics.MetricType
		vt  metrics.ValueType
	}{
		"my_counter": {metrics.Counter, metrics.Default}, "my_gauge": {metrics.Gauge, metrics.Default},
		"my_rate": {metrics.Rate, metrics.Default}, "my_trend": {metrics.Trend, metrics.Default},
		"my_time_trend": {metrics.Trend, metrics.Time},
	}
	for name, w := range want {
		m := rt.Registry.Get(name)
		if m == nil || m.Type != w.typ || m.Contains != w.vt {
			t.Errorf("%s registered as %+v, want %v/%v", name, m, w.typ, w.vt)
		}
	}
	v, err := rt.RunScript(`[c.name, g.name, r.name, tt.name, c instanceof require("k6/metrics").Counter, again.name === c.name].join(",")`)
	if err != nil {
		t.Fatal(err)
	}
	if v.String() != "my_counter,my_gauge,my_rate,my_time_trend,true,true" {
		t.Fatalf("got %s", v)
	}
	if v, _ := rt.RunScript(`c.name = "renamed"; c.name`); v.String() != "my_counter" {
		t.Fatalf("name must be read-only, got %s", v)
	}
}

func TestAddEmitsSamplesWithVUTags(t *testing.T) {
	t.Parallel()
	rt := declare(t, `
		const { Counter, Gauge, Rate, Trend } = require("k6/metrics");
		globalThis.c = new Counter("hits");
		globalThis.g = new Gauge("depth");
		globalThis.r = new Rate("ok");
		globalThis.tr = new Trend("waiting", true);`,
		map[string]string{"scenario": "default", "group": "", "team": "a"})
	if _, err := rt.RunScript(`
		c.add(1); c.add(2.5, { team: "b", code: 7, ok: true });
		g.add(3);
		r.add(true); r.add(false); r.add(0.5);
		tr.add(12.5, { name: "login" });`); err != nil {
		t.Fatal(err)
	}
	hits := rt.SamplesOf("hits")
	if len(hits) != 2 || hits[0].Value != 1 || hits[1].Value != 2.5 {
		t.Fatalf("hits samples %+v", hits)
	}
	if tag(hits[0], "team") != "a" || tag(hits[0], "scenario") != "default" {
		t.Fatalf("VU tags not applied: %v", hits[0].Tags)
	}
	if tag(hits[1], "team") != "b" || tag(hits[1], "code") != "7" || tag(hits[1], "ok") != "true" || tag(hits[1], "scenario") != "default" {
		t.Fatalf("add() tags must be merged over the VU tags: %v", hits[1].Tags)
	}
	if hits[0].Time.IsZero() || hits[0].Metric != rt.Registry.Get("hits") {
		t.Fatalf("sample time/metric %+v", hits[0])
	}
	rates := rt.SamplesOf("ok")
	if len(rates) != 3 || rates[0].Value != 1 || rates[1].Value != 0 || rates[2].Value != 0.5 {
		t.Fatalf("rate samples %+v", rates)
	}
	if w := rt.SamplesOf("waiting"); len(w) != 1 || w[0].Value != 12.5 || tag(w[0], "name") != "login" {
		t.Fatalf("trend samples %+v", w)
	}
	if d := rt.SamplesOf("depth"); len(d) != 1 || d[0].Value != 3 {
		t.Fatalf("gauge samples %+v", d)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"same name, other type", `const m = require("k6/metrics"); new m.Counter("x"); new m.Trend("x")`, "already exists with another type"},
		{"same name, time vs default", `const m = require("k6/metrics"); new m.Trend("t"); new m.Trend("t", true)`, "already exists with another type"},
		{"invalid name", `new (require("k6/metrics").Counter)("bad name!")`, "invalid metric name"},
		{"name starting with a digit", `new (require("k6/metrics").Counter)("1abc")`, "invalid metric name"},
		{"too long", `new (require("k6/metrics").Counter)("a".repeat(129))`, "invalid metric name"},
		{"no name", `new (require("k6/metrics").Gauge)()`, "needs a metric name"},
		{"called without new", `require("k6/metrics").Counter("x")`, "use new Counter(name)"},
		{"called without new on an object", `const m = require("k6/metrics"); m.Trend.call({}, "x")`, "use new Trend(name)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := modulestest.New(t)
			_, err := rt.RunScript(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("128 characters are fine", func(t *testing.T) {
		rt := modulestest.New(t)
		if _, err := rt.RunScript(`new (require("k6/metrics").Counter)("a".repeat(128))`); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("declaring outside the init context", func(t *testing.T) {
		rt := declare(t, `globalThis.M = require("k6/metrics")`, nil)
		_, err := rt.RunScript(`new M.Counter("late")`)
		if err == nil || !strings.Contains(err.Error(), "init context") {
			t.Fatalf("error %v", err)
		}
		if rt.Registry.Get("late") != nil {
			t.Fatal("a metric declared after init must not be registered")
		}
	})
	t.Run("adding in the init context", func(t *testing.T) {
		rt := modulestest.New(t)
		_, err := rt.RunScript(`new (require("k6/metrics").Counter)("c").add(1)`)
		if err == nil || !strings.Contains(err.Error(), "init context") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("bad tag value", func(t *testing.T) {
		rt := declare(t, `globalThis.c = new (require("k6/metrics").Counter)("c")`, nil)
		_, err := rt.RunScript(`c.add(1, { nested: { a: 1 } })`)
		if err == nil || !strings.Contains(err.Error(), `tag "nested"`) {
			t.Fatalf("error %v", err)
		}
	})
}

func TestAddNotANumber(t *testing.T) {
	t.Parallel()
	rt := declare(t, `globalThis.c = new (require("k6/metrics").Counter)("c")`, nil)
	v, err := rt.RunScript(`[c.add("abc"), c.add(undefined), c.add({}), c.add("12")].join(",")`)
	if err != nil {
		t.Fatal(err)
	}
	if v.String() != "false,false,false,true" {
		t.Fatalf("add results %s", v)
	}
	if s := rt.SamplesOf("c"); len(s) != 1 || s[0].Value != 12 {
		t.Fatalf("only the numeric string counts: %+v", s)
	}
	var warned int
	for _, e := range rt.Logs() {
		if e.Level == logrus.WarnLevel && strings.Contains(e.Message, "not a number") {
			warned++
		}
	}
	if warned != 3 {
		t.Fatalf("%d warnings, want 3: %v", warned, rt.Logs())
	}

	yes := true
	strict := declare(t, `globalThis.c = new (require("k6/metrics").Counter)("c")`, nil, modulestest.WithOptions(&config.Options{Throw: &yes}))
	_, err = strict.RunScript(`c.add("abc")`)
	if err == nil || !strings.Contains(err.Error(), "not a number") {
		t.Fatalf("with options.throw a bad value must throw: %v", err)
	}
}
