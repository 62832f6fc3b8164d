package metrics

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func newTestEngine(t testing.TB, ths string, opts EngineOptions) (*Engine, *BuiltinMetrics, *time.Duration) {
	t.Helper()
	reg := NewRegistry()
	bm := RegisterBuiltins(reg)
	reg.MustNewMetric("my_counter", Counter)
	reg.MustNewMetric("my_gauge", Gauge)
	reg.MustNewMetric("my_rate", Rate)
	reg.MustNewMetric("my_trend", Trend, Time)
	if ths != "" {
		opts.Thresholds = thresholdsJSON(t, ths)
	}
	elapsed := new(time.Duration)
	*elapsed = 10 * time.Second
	opts.Elapsed = func() time.Duration { return *elapsed }
	e, err := NewEngine(reg, opts)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	return e, bm, elapsed
}

func tags(kv ...string) *TagSet {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return NewTagSet(m)
}

func TestSinks(t *testing.T) {
	t.Run("counter", func(t *testing.T) {
		c := &CounterSink{}
		for _, v := range []float64{1, 2, 3.5} {
			c.Add(v, t0, 0)
		}
		if v, _ := c.Aggregate(Aggregation{Kind: AggCount}, 0); v != 6.5 {
			t.Fatalf("count = %v", v)
		}
		if v, _ := c.Aggregate(Aggregation{Kind: AggRate}, 2*time.Second); v != 3.25 {
			t.Fatalf("rate = %v", v)
		}
		if _, ok := c.Aggregate(Aggregation{Kind: AggAvg}, 0); ok {
			t.Fatal("counter must not support avg")
		}
	})
	t.Run("gauge keeps the latest by time then by batch order", func(t *testing.T) {
		a, b := &GaugeSink{}, &GaugeSink{}
		a.Add(5, t0.Add(2*time.Second), 1)
		a.Add(1, t0, 2) // older sample arriving later: not the last value
		b.Add(9, t0.Add(2*time.Second), 3)
		b.Add(-3, t0.Add(time.Second), 4)
		a.Merge(b)
		if a.Last != 9 || a.Min != -3 || a.Max != 9 {
			t.Fatalf("last/min/max = %v/%v/%v, want 9/-3/9", a.Last, a.Min, a.Max)
		}
		if v, _ := a.Aggregate(Aggregation{Kind: AggValue}, 0); v != 9 {
			t.Fatalf("value = %v", v)
		}
	})
	t.Run("rate", func(t *testing.T) {
		r := &RateSink{}
		for _, v := range []float64{1, 0, 1, 1, 0.5, 0} {
			r.Add(v, t0, 0)
		}
		if r.Trues != 4 || r.Total != 6 {
			t.Fatalf("trues/total = %d/%d", r.Trues, r.Total)
		}
		if v, _ := r.Aggregate(Aggregation{Kind: AggRate}, 0); math.Abs(v-4.0/6) > 1e-12 {
			t.Fatalf("rate = %v", v)
		}
	})
}

func TestEngineConcurrentIngestIsExact(t *testing.T) {
	e, bm, _ := newTestEngine(t, "", EngineOptions{Shards: 4})
	const workers, batches, perBatch = 16, 200, 50
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := NewBuffer(e, 37)
			for b := 0; b < batches; b++ {
				for i := 0; i < perBatch; i++ {
					buf.Add(
						Sample{Metric: bm.HTTPReqs, Value: 1, Time: t0},
						Sample{Metric: bm.HTTPReqDuration, Value: float64(1 + (w*perBatch+i)%100), Time: t0, Tags: tags("expected_response", "true")},
						Sample{Metric: bm.HTTPReqFailed, Value: float64(i % 2), Time: t0},
						Sample{Metric: bm.VUs, Value: float64(w), Time: t0.Add(time.Duration(b) * time.Millisecond)},
					)
				}
			}
			buf.Flush()
		}(w)
	}
	wg.Wait()
	snap := e.Snapshot()
	n := float64(workers * batches * perBatch)
	if c := snap.Metrics["http_reqs"].Sink.(*CounterSink).Sum; c != n {
		t.Fatalf("http_reqs = %v, want %v", c, n)
	}
	d := snap.Metrics["http_req_duration"].Sink.(*TrendSink)
	if float64(d.Count()) != n || d.Min() != 1 || d.Max() != 100 {
		t.Fatalf("duration count/min/max = %d/%v/%v", d.Count(), d.Min(), d.Max())
	}
	if med := d.Percentile(50); math.Abs(med-50.5) > 0.01*50.5 {
		t.Fatalf("median %v, want ~50.5", med)
	}
	sub := snap.Metrics["http_req_duration{expected_response:true}"]
	if sub == nil || float64(sub.Sink.(*TrendSink).Count()) != n {
		t.Fatalf("expected_response sub-metric missing or incomplete: %+v", sub)
	}
	f := snap.Metrics["http_req_failed"].Sink.(*RateSink)
	if float64(f.Total) != n || float64(f.Trues) != n/2 {
		t.Fatalf("http_req_failed %d/%d", f.Trues, f.Total)
	}
	g := snap.Metrics["vus"].Sink.(*GaugeSink)
	if g.Min != 0 || g.Max != workers-1 {
		t.Fatalf("vus min/max %v/%v", g.Min, g.Max)
	}
}

func TestEngineSubMetricsAndThresholds(t *testing.T) {
	e, bm, elapsed := newTestEngine(t, `{
		"http_req_duration": ["p(95)<300", "avg<1000"],
		"http_req_duration{status:500}": ["avg<150", "max<100"],
		"my_counter": ["count>=3", "rate>0.2"],
		"my_gauge": ["value<10"],
		"my_rate": ["rate>0.5"],
		"group_duration{group:::checkout}": ["max<50"]
	}`, EngineOptions{})
	mc := e.Registry().Get("my_counter")
	e.Ingest([]Sample{
		{Metric: bm.HTTPReqDuration, Value: 100, Time: t0, Tags: tags("status", "200")},
		{Metric: bm.HTTPReqDuration, Value: 200, Time: t0, Tags: tags("status", "500")},
		{Metric: mc, Value: 2, Time: t0},
		{Metric: e.Registry().Get("my_gauge"), Value: 12, Time: t0},
		{Metric: bm.GroupDuration, Value: 40, Time: t0, Tags: tags("group", "::checkout")},
		{Metric: bm.GroupDuration, Value: 400, Time: t0, Tags: tags("group", "::other")},
	})
	crossed, abort := e.Evaluate(false)
	// my_rate has no samples: evaluated on zeros (rate 0 is not > 0.5).
	want := "[http_req_duration{status:500} my_counter my_gauge my_rate]"
	if fmt.Sprint(crossed) != want || abort {
		t.Fatalf("crossed %v abort %v, want %s false", crossed, abort, want)
	}
	snap := e.Snapshot()
	sub := snap.Metrics["http_req_duration{status:500}"]
	if sub.Sink.(*TrendSink).Count() != 1 || len(sub.Thresholds) != 2 || sub.Thresholds[0].OK || sub.Thresholds[1].OK {
		t.Fatalf("status:500 sub-metric %+v", sub)
	}
	if gd := snap.Metrics["group_duration{group:::checkout}"]; gd.Sink.(*TrendSink).Max() != 40 || !gd.Thresholds[0].OK {
		t.Fatalf("group sub-metric %+v", gd)
	}
	if r := snap.Metrics["my_counter"].Thresholds; r[1].Observed != 0.2 || r[1].OK {
		t.Fatalf("counter rate threshold result %+v (elapsed 10s, count 2)", r[1])
	}

	e.Ingest([]Sample{{Metric: mc, Value: 1, Time: t0}, {Metric: e.Registry().Get("my_gauge"), Value: 3, Time: t0.Add(time.Second)}})
	*elapsed = 5 * time.Second
	crossed, _ = e.Evaluate(true)
	if fmt.Sprint(crossed) != "[http_req_duration{status:500} my_rate]" {
		t.Fatalf("after more samples crossed = %v", crossed)
	}
}

func TestEngineAbortOnFail(t *testing.T) {
	e, bm, elapsed := newTestEngine(t, `{
		"http_req_failed": [{"threshold": "rate<0.5", "abortOnFail": true, "delayAbortEval": "30s"}],
		"checks": ["rate>0.99"]
	}`, EngineOptions{})
	e.Ingest([]Sample{{Metric: bm.HTTPReqFailed, Value: 1, Time: t0}})
	if crossed, abort := e.Evaluate(false); abort || len(crossed) != 2 {
		t.Fatalf("before delayAbortEval: crossed %v abort %v, want 2 crossed, no abort", crossed, abort)
	}
	*elapsed = 31 * time.Second
	if _, abort := e.Evaluate(false); !abort {
		t.Fatal("after delayAbortEval the failed abortOnFail threshold must abort")
	}
	if _, abort := e.Evaluate(true); abort {
		t.Fatal("the final evaluation never aborts")
	}
	e.Ingest([]Sample{{Metric: bm.HTTPReqFailed, Value: 0, Time: t0}, {Metric: bm.HTTPReqFailed, Value: 0, Time: t0}})
	if crossed, abort := e.Evaluate(false); abort || fmt.Sprint(crossed) != "[checks]" {
		t.Fatalf("recovered: crossed %v abort %v", crossed, abort)
	}
}

func TestEngineNoThresholds(t *testing.T) {
	reg := NewRegistry()
	RegisterBuiltins(reg)
	bad := thresholdsJSON(t, `{"nope": ["avg<1"]}`)
	if _, err := NewEngine(reg, EngineOptions{Thresholds: bad}); !errors.Is(err, ErrInvalidThreshold) {
		t.Fatalf("invalid thresholds: error %v", err)
	}
	e, err := NewEngine(reg, EngineOptions{Thresholds: bad, NoThresholds: true})
	if err != nil {
		t.Fatalf("--no-thresholds must skip thresholds: %v", err)
	}
	if crossed, abort := e.Evaluate(true); crossed != nil || abort {
		t.Fatal("no thresholds, nothing crossed")
	}
}

func TestEngineChecksGroupsAndBreakdown(t *testing.T) {
	e, bm, _ := newTestEngine(t, "", EngineOptions{Breakdown: true})
	chk := func(at int, scenario, group, name string, ok bool) Sample {
		v := 0.0
		if ok {
			v = 1
		}
		return Sample{Metric: bm.Checks, Value: v, Time: t0.Add(time.Duration(at) * time.Second), Tags: tags("scenario", scenario, "group", group, "check", name)}
	}
	e.Ingest([]Sample{
		chk(2, "left", "", "status is 200", true),
		chk(1, "left", "", "is up", true),
		chk(3, "left", "::crocs", "croc exists", false),
		{Metric: bm.GroupDuration, Value: 5, Time: t0.Add(4 * time.Second), Tags: tags("scenario", "left", "group", "::crocs")},
		{Metric: bm.GroupDuration, Value: 5, Time: t0.Add(9 * time.Second), Tags: tags("scenario", "left", "group", "::crocs::inner")},
		{Metric: bm.HTTPReqs, Value: 1, Time: t0, Tags: tags("scenario", "left", "group", "::crocs")},
		{Metric: bm.HTTPReqs, Value: 1, Time: t0, Tags: tags("scenario", "right", "group", "")},
		{Metric: bm.HTTPReqs, Value: 1, Time: t0}, // setup: no scenario
	})
	e.Ingest([]Sample{chk(5, "left", "", "status is 200", false), chk(6, "right", "", "status is 200", true)})
	snap := e.Snapshot()
	var got []string
	for _, c := range snap.Checks {
		got = append(got, fmt.Sprintf("%s|%s|%s|%d/%d", c.Scenario, c.Group, c.Name, c.Passes, c.Fails))
	}
	want := "[left||is up|1/0 left||status is 200|1/1 left|::crocs|croc exists|0/1 right||status is 200|1/0]"
	if fmt.Sprint(got) != want {
		t.Fatalf("checks %v\nwant %s", got, want)
	}
	got = nil
	for _, g := range snap.Groups {
		got = append(got, g.Scenario+g.Path)
	}
	if fmt.Sprint(got) != "[left::crocs left::crocs::inner]" {
		t.Fatalf("groups %v", got)
	}
	got = nil
	for _, b := range snap.Breakdowns {
		c := 0.0
		if m := b.Metrics["http_reqs"]; m != nil {
			c = m.Sink.(*CounterSink).Sum
		}
		got = append(got, fmt.Sprintf("%s%s=%v", b.Scenario, b.Group, c))
	}
	if fmt.Sprint(got) != "[left=1 left::crocs=1 left::crocs::inner=0 right=1]" {
		t.Fatalf("breakdowns %v", got)
	}
	if c := snap.Metrics["http_reqs"].Sink.(*CounterSink).Sum; c != 3 {
		t.Fatalf("total http_reqs %v", c)
	}
}

// BenchmarkIngestParallel measures the hot path: many goroutines (VUs) each
// with its own Buffer, flushing batches of mixed HTTP samples into one Engine.
// ns/op and allocs/op are per sample.
func BenchmarkIngestParallel(b *testing.B) {
	for _, withSubs := range []bool{false, true} {
		name := "builtins"
		if withSubs {
			name = "with-threshold-submetrics"
		}
		b.Run(name, func(b *testing.B) {
			opts := EngineOptions{}
			reg := NewRegistry()
			bm := RegisterBuiltins(reg)
			if withSubs {
				opts.Thresholds = thresholdsJSON(b, `{"http_req_duration{status:200}": ["p(95)<100"], "http_req_duration{name:login}": ["p(99)<300"], "http_req_failed": ["rate<0.01"]}`)
			}
			e, err := NewEngine(reg, opts)
			if err != nil {
				b.Fatal(err)
			}
			tg := tags("status", "200", "method", "GET", "url", "http://127.0.0.1/x", "name", "http://127.0.0.1/x", "expected_response", "true", "scenario", "default", "group", "")
			var vu atomic.Int64
			vals := make([]float64, 1024)
			for i := range vals {
				vals[i] = float64(i%250) + 0.5
			}
			b.ReportAllocs()
			b.SetParallelism(8) // 8 x GOMAXPROCS goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				buf := NewBuffer(e, DefaultBufferSize)
				i := int(vu.Add(1))
				for pb.Next() {
					i++
					buf.Add(Sample{Metric: bm.HTTPReqDuration, Tags: tg, Time: t0, Value: vals[i&1023]})
				}
				buf.Flush()
			})
		})
	}
}
