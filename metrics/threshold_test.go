package metrics

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stampede-load/stampede/config"
)

func TestParseThresholdExpression(t *testing.T) {
	tests := []struct {
		src  string
		want ThresholdExpression
	}{
		{"p(95)<200", ThresholdExpression{Aggregation{AggPercentile, 95}, OpLess, 200}},
		{"p(99.9) <= 1500.5", ThresholdExpression{Aggregation{AggPercentile, 99.9}, OpLessEqual, 1500.5}},
		{" p( 90 ) > 0 ", ThresholdExpression{Aggregation{AggPercentile, 90}, OpGreater, 0}},
		{"p(0)>=1", ThresholdExpression{Aggregation{AggPercentile, 0}, OpGreaterEqual, 1}},
		{"p(100)<1e3", ThresholdExpression{Aggregation{AggPercentile, 100}, OpLess, 1000}},
		{"avg<100", ThresholdExpression{Aggregation{Kind: AggAvg}, OpLess, 100}},
		{"min>=0", ThresholdExpression{Aggregation{Kind: AggMin}, OpGreaterEqual, 0}},
		{"max < 2000", ThresholdExpression{Aggregation{Kind: AggMax}, OpLess, 2000}},
		{"med==10", ThresholdExpression{Aggregation{Kind: AggMed}, OpEqual, 10}},
		{"count===3", ThresholdExpression{Aggregation{Kind: AggCount}, OpStrictEqual, 3}},
		{"rate!=0", ThresholdExpression{Aggregation{Kind: AggRate}, OpNotEqual, 0}},
		{"rate<0.01", ThresholdExpression{Aggregation{Kind: AggRate}, OpLess, 0.01}},
		{"value>-5", ThresholdExpression{Aggregation{Kind: AggValue}, OpGreater, -5}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, err := ParseThresholdExpression(tt.src)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseThresholdExpressionErrors(t *testing.T) {
	tests := []struct {
		src, wantInErr string
	}{
		{"", "no comparison operator"},
		{"p(95)", "no comparison operator"},
		{"p(95)=<200", "unknown operator \"=<\""},
		{"p(95)=200", "unknown operator \"=\""},
		{"avg<<1", "unknown operator \"<<\""},
		{"avg!1", "unknown operator \"!\""},
		{"<200", "missing aggregation method"},
		{"avg<", "missing number"},
		{"avg<abc", "\"abc\" is not a number"},
		{"avg<NaN", "is not a number"},
		{"avg<Inf", "is not a number"},
		{"mean<1", "expected one of avg, min, max, med, p(N), count, rate, value"},
		{"p(101)<1", "between 0 and 100"},
		{"p(-1)<1", "between 0 and 100"},
		{"p(x)<1", "must be a number"},
		{"p(95<1", "closing parenthesis"},
		{"p95<1", "expected one of"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := ParseThresholdExpression(tt.src)
			if err == nil {
				t.Fatal("expected an error")
			}
			if !errors.Is(err, ErrInvalidThreshold) {
				t.Errorf("error %v does not wrap ErrInvalidThreshold", err)
			}
			if !strings.Contains(err.Error(), "'"+tt.src+"'") {
				t.Errorf("error %q does not name the threshold", err)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q does not say %q", err, tt.wantInErr)
			}
		})
	}
}

func TestParseMetricKey(t *testing.T) {
	tests := []struct {
		key      string
		name     string
		selector string
		tags     map[string]string
	}{
		{"http_req_duration", "http_req_duration", "", nil},
		{" iterations ", "iterations", "", nil},
		{"http_req_duration{status:200}", "http_req_duration", "status:200", map[string]string{"status": "200"}},
		{"http_req_duration{ status : 200 , method:GET }", "http_req_duration", "status : 200 , method:GET", map[string]string{"status": "200", "method": "GET"}},
		{"group_duration{group:::checkout}", "group_duration", "group:::checkout", map[string]string{"group": "::checkout"}},
		{"group_duration{group:::a::b}", "group_duration", "group:::a::b", map[string]string{"group": "::a::b"}},
		{`my_trend{name:"quoted"}`, "my_trend", `name:"quoted"`, map[string]string{"name": "quoted"}},
		{`my_trend{'k':'v'}`, "my_trend", `'k':'v'`, map[string]string{"k": "v"}},
		{"checks{check:}", "checks", "check:", map[string]string{"check": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, err := ParseMetricKey(tt.key)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got.Name != tt.name || got.Selector != tt.selector {
				t.Fatalf("got name %q selector %q, want %q %q", got.Name, got.Selector, tt.name, tt.selector)
			}
			if gm := got.Tags.Map(); len(gm) != len(tt.tags) {
				t.Fatalf("tags %v, want %v", gm, tt.tags)
			}
			for k, v := range tt.tags {
				if g, _ := got.Tags.Get(k); g != v {
					t.Errorf("tag %s = %q, want %q", k, g, v)
				}
			}
		})
	}
	for _, bad := range []string{"", "x{", "x{}", "{a:b}", "x{a}", "x{:b}", "x}", "x{a:b}y"} {
		t.Run("invalid "+bad, func(t *testing.T) {
			if _, err := ParseMetricKey(bad); !errors.Is(err, ErrInvalidThreshold) {
				t.Fatalf("ParseMetricKey(%q) error = %v, want ErrInvalidThreshold", bad, err)
			}
		})
	}
}

func thresholdsJSON(t testing.TB, s string) map[string]config.Thresholds {
	t.Helper()
	var m map[string]config.Thresholds
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCompileThresholds(t *testing.T) {
	reg := NewRegistry()
	RegisterBuiltins(reg)
	reg.MustNewMetric("my_gauge", Gauge)
	ths := thresholdsJSON(t, `{
		"http_req_duration": ["p(95)<500", {"threshold": "avg<200", "abortOnFail": true, "delayAbortEval": "10s"}],
		"http_req_duration{status:200}": "max<1000",
		"http_req_failed": ["rate<0.01"],
		"iterations": ["count>10", "rate>1"],
		"my_gauge": ["value<5"]
	}`)
	got, err := CompileThresholds(reg, ths)
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	keys := []string{}
	for _, mt := range got {
		keys = append(keys, mt.Key.String())
	}
	want := "http_req_duration http_req_duration{status:200} http_req_failed iterations my_gauge"
	if strings.Join(keys, " ") != want {
		t.Fatalf("keys %v, want %s", keys, want)
	}
	d := got[0].Thresholds[1]
	if d.Source != "avg<200" || !d.AbortOnFail || d.DelayAbortEval.Seconds() != 10 {
		t.Fatalf("object form not kept: %+v", d)
	}
	if got[0].Thresholds[0].Source != "p(95)<500" {
		t.Fatalf("order not kept: %+v", got[0].Thresholds)
	}
}

func TestCompileThresholdsErrors(t *testing.T) {
	reg := NewRegistry()
	RegisterBuiltins(reg)
	reg.MustNewMetric("errors", Counter)
	tests := []struct {
		name   string
		ths    string
		wantIn []string
	}{
		{"unknown metric", `{"no_such_metric": ["count<1"]}`, []string{"metric 'no_such_metric' does not exist in the script"}},
		{"unknown parent of sub-metric", `{"nope{status:200}": ["avg<1"]}`, []string{"metric 'nope' does not exist in the script"}},
		{"trend lacks rate", `{"http_req_duration": ["rate<0.1"]}`, []string{"'rate<0.1'", "aggregation method 'rate'", "trend", "http_req_duration", "avg, min, max, med, p(N)"}},
		{"counter lacks p(N)", `{"errors": ["p(95)<1"]}`, []string{"'p(95)<1'", "'p(95)'", "counter", "count, rate"}},
		{"gauge lacks avg", `{"vus": ["avg<1"]}`, []string{"'avg<1'", "gauge", "value"}},
		{"rate lacks count", `{"checks": ["count>1"]}`, []string{"'count>1'", "rate metrics", "(supported: rate)"}},
		{"syntax error", `{"http_req_duration": ["p95<1"]}`, []string{"'p95<1'", "http_req_duration"}},
		{"bad selector", `{"http_req_duration{status}": ["avg<1"]}`, []string{"\"status\" is not tag:value"}},
		{"all errors at once", `{"a": ["avg<1"], "b": ["avg<1"], "vus": ["x"]}`, []string{"metric 'a'", "metric 'b'", "'x'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CompileThresholds(reg, thresholdsJSON(t, tt.ths))
			if !errors.Is(err, ErrInvalidThreshold) {
				t.Fatalf("error %v does not wrap ErrInvalidThreshold", err)
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestThresholdsCrossedMessage(t *testing.T) {
	got := ThresholdsCrossedMessage([]string{"http_req_duration", "checks"})
	if got != "thresholds on metrics 'http_req_duration, checks' have been crossed" {
		t.Fatal(got)
	}
}

func FuzzParseThresholdExpression(f *testing.F) {
	for _, s := range []string{"p(95)<200", "avg<=1.5", "rate!=0", "count===3", "value>-1", "p(99.99) >= 1e3", "p(", "<", "med==", "p(50)<p(5)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := ParseThresholdExpression(src)
		if err != nil {
			if !errors.Is(err, ErrInvalidThreshold) {
				t.Fatalf("error %v does not wrap ErrInvalidThreshold", err)
			}
			return
		}
		again, err := ParseThresholdExpression(e.String())
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", e.String(), src, err)
		}
		if again != e {
			t.Fatalf("round trip of %q: %+v != %+v", src, again, e)
		}
	})
}

func FuzzParseMetricKey(f *testing.F) {
	for _, s := range []string{"http_req_duration", "a{b:c}", "group_duration{group:::x::y}", "a{b:c,d:e}", "a{", "{}", "a{'b':\"c\"}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		k, err := ParseMetricKey(key)
		if err != nil {
			if !errors.Is(err, ErrInvalidThreshold) {
				t.Fatalf("error %v does not wrap ErrInvalidThreshold", err)
			}
			return
		}
		again, err := ParseMetricKey(k.String())
		if err != nil {
			t.Fatalf("String() %q of %q does not parse: %v", k.String(), key, err)
		}
		if again.Name != k.Name || again.Tags.String() != k.Tags.String() {
			t.Fatalf("round trip of %q: %+v != %+v", key, again, k)
		}
	})
}
