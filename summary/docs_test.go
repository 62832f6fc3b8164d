package summary

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stampede-load/stampede/metrics"
)

// These tests render the two example summaries of k6's "End of test" docs
// page from the same values and compare the text character for character:
// they pin k6's v1 layout (name padding, column alignment, sections, check
// lists, scenario and group parts) and its number formatting.

// ms parses a k6-formatted duration ("4.36ms", "5µs", "0s", "1.2s") into
// milliseconds, nudged up by a relative 1e-9 so that k6's truncation to two
// decimals gives back the printed digits despite binary rounding.
func ms(t *testing.T, s string) float64 {
	t.Helper()
	units := []struct {
		suffix string
		factor float64
	}{{"ns", 1e-6}, {"µs", 1e-3}, {"ms", 1}, {"s", 1000}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				t.Fatalf("bad duration %q", s)
			}
			return v * u.factor * (1 + 1e-9)
		}
	}
	t.Fatalf("bad duration %q", s)
	return 0
}

type docView struct {
	t        *testing.T
	duration time.Duration
	metrics  map[string]*metricView
}

func (d *docView) trend(name string, contains metrics.ValueType, stats string) *metricView {
	fields := strings.Fields(stats)
	v := map[string]float64{}
	for i, stat := range DefaultTrendStats {
		if contains == metrics.Time {
			v[stat] = ms(d.t, fields[i])
		} else {
			v[stat], _ = strconv.ParseFloat(fields[i], 64)
		}
	}
	mv := &metricView{key: metrics.MetricKey{Name: name}, metric: &metrics.Metric{Name: name, Type: metrics.Trend, Contains: contains}, values: v}
	d.metrics[name] = mv
	return mv
}

func (d *docView) add(name string, typ metrics.MetricType, contains metrics.ValueType, values map[string]float64) *metricView {
	mv := &metricView{key: metrics.MetricKey{Name: name}, metric: &metrics.Metric{Name: name, Type: typ, Contains: contains}, values: values}
	d.metrics[name] = mv
	return mv
}

func (d *docView) sub(parent *metricView, selector string) {
	k := metrics.MetricKey{Name: parent.key.Name, Selector: selector}
	d.metrics[k.String()] = &metricView{key: k, metric: parent.metric, values: parent.values}
}

func newDocView(t *testing.T, checksTotal, checksRate float64) *docView {
	return &docView{t: t, metrics: map[string]*metricView{}, duration: time.Duration(checksTotal / checksRate * float64(time.Second))}
}

func (d *docView) summary(mode Mode, checks []metrics.CheckSnapshot, bds []*breakdownView) *Summary {
	s := &Summary{opts: Options{TrendStats: DefaultTrendStats, Mode: mode}, duration: d.duration, metrics: d.metrics, checks: checks, breakdowns: bds}
	for _, st := range DefaultTrendStats {
		a, err := parseTrendStat(st)
		if err != nil {
			d.t.Fatal(err)
		}
		s.stats = append(s.stats, a)
	}
	return s
}

func thresholds(mv *metricView, specs ...thresholdView) { mv.thresholds = specs }

func pct(p float64) metrics.Aggregation {
	return metrics.Aggregation{Kind: metrics.AggPercentile, P: p}
}

func compareWithDocs(t *testing.T, file, got string) {
	t.Helper()
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	w, g := strings.Trim(string(want), "\n"), strings.Trim(got, "\n")
	if w == g {
		return
	}
	wl, gl := strings.Split(w, "\n"), strings.Split(g, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var a, b string
		if i < len(wl) {
			a = wl[i]
		}
		if i < len(gl) {
			b = gl[i]
		}
		if a != b {
			t.Fatalf("line %d differs from k6's docs:\nwant %q\ngot  %q\n\nwhole output:\n%s", i+1, a, b, got)
		}
	}
}

func counter(count, rate float64) map[string]float64 {
	return map[string]float64{"count": count, "rate": rate}
}
func gauge(v, lo, hi float64) map[string]float64 {
	return map[string]float64{"value": v, "min": lo, "max": hi}
}
func rate(passes, fails float64) map[string]float64 {
	return map[string]float64{"rate": passes / (passes + fails), "passes": passes, "fails": fails}
}

func TestTextMatchesK6DocsCompact(t *testing.T) {
	d := newDocView(t, 90, 13.122179)
	d.trend("custom_waiting_time", metrics.Default, "152.355556 120 141 684 147.2 148.8")
	dur := d.trend("http_req_duration", metrics.Time, "140.36ms 119.08ms 140.96ms 154.63ms 146.88ms 148.21ms")
	thresholds(dur, thresholdView{"p(95)<1500", pct(95), dur.values["p(95)"], true}, thresholdView{"p(90)<2000", pct(90), dur.values["p(90)"], true})
	d.sub(dur, metrics.ExpectedResponseSelector)
	failed := d.add("http_req_failed", metrics.Rate, metrics.Default, rate(0, 45))
	thresholds(failed, thresholdView{"rate<0.01", metrics.Aggregation{Kind: metrics.AggRate}, 0, true})
	d.add("http_reqs", metrics.Counter, metrics.Default, counter(45, 6.56109))
	d.trend("iteration_duration", metrics.Time, "152.38ms 119.37ms 141.27ms 684.62ms 147.11ms 148.39ms")
	d.add("iterations", metrics.Counter, metrics.Default, counter(45, 6.56109))
	d.add("vus", metrics.Gauge, metrics.Default, gauge(1, 1, 1))
	d.add("vus_max", metrics.Gauge, metrics.Default, gauge(1, 1, 1))
	d.add("data_received", metrics.Counter, metrics.Data, counter(519e3, 76e3))
	d.add("data_sent", metrics.Counter, metrics.Data, counter(4.9e3, 718))
	// Hidden in compact mode.
	d.trend("http_req_blocked", metrics.Time, "4.36ms 0s 5µs 245.04ms 13µs 14.59µs")
	d.trend("group_duration", metrics.Time, "1s 1s 1s 1s 1s 1s")
	d.add("checks", metrics.Rate, metrics.Default, rate(90, 0))
	checks := []metrics.CheckSnapshot{
		{Name: "test-api.k6.io is up", Passes: 45, First: t0},
		{Name: "status is 200", Passes: 45, First: t0.Add(time.Millisecond)},
	}
	compareWithDocs(t, "testdata/k6-docs-compact.txt", d.summary(ModeCompact, checks, nil).Text(false))
}

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

func TestTextMatchesK6DocsFull(t *testing.T) {
	d := newDocView(t, 110, 19.569305)
	d.trend("custom_waiting_time", metrics.Default, "92.444444 56 63 365 120 121")
	d.trend("http_req_blocked", metrics.Time, "4.36ms 0s 5µs 245.04ms 13µs 14.59µs")
	d.trend("http_req_connecting", metrics.Time, "1.99ms 0s 0s 115.51ms 0s 0s")
	dur := d.trend("http_req_duration", metrics.Time, "105.72ms 56.31ms 117.44ms 328.62ms 132.76ms 145.17ms")
	thresholds(dur, thresholdView{"p(95)<1500", pct(95), dur.values["p(95)"], true}, thresholdView{"p(90)<2000", pct(90), dur.values["p(90)"], true})
	d.sub(dur, metrics.ExpectedResponseSelector)
	failed := d.add("http_req_failed", metrics.Rate, metrics.Default, rate(0, 65))
	thresholds(failed, thresholdView{"rate<0.01", metrics.Aggregation{Kind: metrics.AggRate}, 0, true})
	d.trend("http_req_receiving", metrics.Time, "11.83ms 39µs 168µs 54.2ms 30.73ms 31.49ms")
	d.trend("http_req_sending", metrics.Time, "43.32µs 11µs 27µs 485µs 74.2µs 81.59µs")
	d.trend("http_req_tls_handshaking", metrics.Time, "2.3ms 0s 0s 127.41ms 0s 0s")
	d.trend("http_req_waiting", metrics.Time, "93.85ms 26.54ms 117.12ms 328.38ms 132.61ms 145.11ms")
	d.add("http_reqs", metrics.Counter, metrics.Default, counter(65, 11.56368))
	d.trend("iteration_duration", metrics.Time, "159.31ms 56.45ms 62.65ms 570.47ms 258.2ms 350.51ms")
	d.add("iterations", metrics.Counter, metrics.Default, counter(45, 8.005625))
	d.add("vus", metrics.Gauge, metrics.Default, gauge(1, 1, 2))
	d.add("vus_max", metrics.Gauge, metrics.Default, gauge(2, 2, 2))
	d.add("data_received", metrics.Counter, metrics.Data, counter(7.1e6, 1.3e6))
	d.add("data_sent", metrics.Counter, metrics.Data, counter(32e3, 5.6e3))

	left := &docView{t: t, metrics: map[string]*metricView{}}
	left.trend("custom_waiting_time", metrics.Default, "130.6 116 118 365 121 133.2")
	left.trend("http_req_blocked", metrics.Time, "6.13ms 2µs 6µs 245.04ms 13µs 15.99µs")
	left.trend("http_req_connecting", metrics.Time, "2.88ms 0s 0s 115.51ms 0s 0s")
	left.trend("http_req_duration", metrics.Time, "134.17ms 116.42ms 122.02ms 328.62ms 140.36ms 207.85ms")
	left.add("http_req_failed", metrics.Rate, metrics.Default, rate(0, 40))
	left.trend("http_req_receiving", metrics.Time, "128.64µs 39µs 88µs 630µs 207µs 234.04µs")
	left.trend("http_req_sending", metrics.Time, "21.82µs 11µs 20µs 44µs 29.3µs 34.05µs")
	left.trend("http_req_tls_handshaking", metrics.Time, "3.18ms 0s 0s 127.41ms 0s 0s")
	left.trend("http_req_waiting", metrics.Time, "134.02ms 116.32ms 121.93ms 328.38ms 140.29ms 207.73ms")
	left.add("http_reqs", metrics.Counter, metrics.Default, counter(40, 7.116111))
	left.trend("iteration_duration", metrics.Time, "281.02ms 239.75ms 249.02ms 570.47ms 379.3ms 455.72ms")
	left.add("iterations", metrics.Counter, metrics.Default, counter(20, 3.558055))
	left.add("data_received", metrics.Counter, metrics.Data, counter(239e3, 43e3))
	left.add("data_sent", metrics.Counter, metrics.Data, counter(4.8e3, 857))
	left.add("checks", metrics.Rate, metrics.Default, rate(60, 0))

	crocs := &docView{t: t, metrics: map[string]*metricView{}}
	crocs.trend("http_req_blocked", metrics.Time, "7.75µs 4µs 6µs 35µs 9.4µs 14.09µs")
	crocs.trend("http_req_connecting", metrics.Time, "0s 0s 0s 0s 0s 0s")
	crocs.trend("http_req_duration", metrics.Time, "150.15ms 122.84ms 130.79ms 328.62ms 210.14ms 255.24ms")
	crocs.add("http_req_failed", metrics.Rate, metrics.Default, rate(0, 20))
	crocs.trend("http_req_receiving", metrics.Time, "130.99µs 43µs 95.5µs 558µs 207µs 233.09µs")
	crocs.trend("http_req_sending", metrics.Time, "19.95µs 13µs 19µs 35µs 23.2µs 25.49µs")
	crocs.trend("http_req_tls_handshaking", metrics.Time, "0s 0s 0s 0s 0s 0s")
	crocs.trend("http_req_waiting", metrics.Time, "150ms 122.78ms 130.46ms 328.38ms 210.01ms 255.02ms")
	crocs.add("http_reqs", metrics.Counter, metrics.Default, counter(20, 3.558055))
	crocs.trend("group_duration", metrics.Time, "1s 1s 1s 1s 1s 1s")

	checks := []metrics.CheckSnapshot{
		{Scenario: "right", Name: "grafana.com is up", Passes: 25, First: t0},
		{Scenario: "right", Name: "status is 200", Passes: 25, First: t0.Add(1)},
		{Scenario: "left", Name: "test-api.k6.io is up", Passes: 20, First: t0.Add(2)},
		{Scenario: "left", Name: "status is 200", Passes: 20, First: t0.Add(3)},
		{Scenario: "left", Group: "::crocodiles results", Name: "crocodile exists", Passes: 20, First: t0.Add(4)},
	}
	bds := []*breakdownView{
		{scenario: "left", metrics: left.metrics},
		{scenario: "left", group: "::crocodiles results", metrics: crocs.metrics},
	}
	compareWithDocs(t, "testdata/k6-docs-full.txt", d.summary(ModeFull, checks, bds).Text(false))
}
