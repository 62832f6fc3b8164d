package summary

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/metrics"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// run feeds a deterministic set of samples, like a small test run with two
// scenarios, groups, checks, custom metrics and thresholds, through a real
// metrics.Engine and returns its snapshot.
func run(t *testing.T, thresholds string, breakdown bool) *metrics.Snapshot {
	t.Helper()
	reg := metrics.NewRegistry()
	bm := metrics.RegisterBuiltins(reg)
	waiting := reg.MustNewMetric("custom_waiting_time", metrics.Trend)
	errs := reg.MustNewMetric("errors", metrics.Counter)
	queue := reg.MustNewMetric("queue_depth", metrics.Gauge)
	okRate := reg.MustNewMetric("order_ok", metrics.Rate)
	reg.MustNewMetric("never_used", metrics.Counter)

	var ths map[string]config.Thresholds
	if thresholds != "" {
		if err := json.Unmarshal([]byte(thresholds), &ths); err != nil {
			t.Fatal(err)
		}
	}
	e, err := metrics.NewEngine(reg, metrics.EngineOptions{Thresholds: ths, Breakdown: breakdown, Elapsed: func() time.Duration { return 10 * time.Second }})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Millisecond) }
	tg := func(kv ...string) *metrics.TagSet {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return metrics.NewTagSet(m)
	}
	var batch []metrics.Sample
	add := func(m *metrics.Metric, v float64, i int, tags *metrics.TagSet) {
		batch = append(batch, metrics.Sample{Metric: m, Value: v, Time: at(i), Tags: tags})
	}
	for i := 0; i < 40; i++ {
		sc := "browse"
		if i%4 == 3 {
			sc = "checkout"
		}
		group := ""
		if sc == "checkout" {
			group = "::pay"
			if i%8 == 7 {
				group = "::pay::card"
			}
		}
		status, expected := "200", "true"
		if i%10 == 9 {
			status, expected = "503", "false"
		}
		rt := tg("scenario", sc, "group", group, "status", status, "expected_response", expected, "method", "GET")
		d := 20 + float64(i*i%97) + float64(i)/8
		add(bm.HTTPReqs, 1, i, rt)
		add(bm.HTTPReqDuration, d, i, rt)
		add(bm.HTTPReqWaiting, d*0.9, i, rt)
		add(bm.HTTPReqSending, 0.012+float64(i)/1000, i, rt)
		add(bm.HTTPReqReceiving, 0.25, i, rt)
		add(bm.HTTPReqBlocked, 0, i, rt)
		add(bm.HTTPReqConnecting, 0, i, rt)
		add(bm.HTTPReqTLSHandshaking, 0, i, rt)
		failed := 0.0
		if expected == "false" {
			failed = 1
		}
		add(bm.HTTPReqFailed, failed, i, rt)
		add(bm.DataSent, 120, i, rt)
		add(bm.DataReceived, 5300+float64(i), i, rt)
		ok := 1.0
		if status != "200" {
			ok = 0
		}
		add(bm.Checks, ok, i, tg("scenario", sc, "group", group, "check", "status is 200"))
		if sc == "checkout" {
			add(bm.Checks, 1, i, tg("scenario", sc, "group", group, "check", "order accepted"))
			add(okRate, ok, i, tg("scenario", sc, "group", group))
			add(bm.GroupDuration, d+5, i, tg("scenario", sc, "group", group))
		}
		add(waiting, float64(100+i%7*10), i, tg("scenario", sc, "group", group))
		add(bm.Iterations, 1, i, tg("scenario", sc))
		add(bm.IterationDuration, d+1.5, i, tg("scenario", sc))
		if i%5 == 0 {
			add(errs, 1, i, tg("scenario", sc, "group", group))
		}
		add(bm.VUs, float64(1+i%3), i, nil)
		add(bm.VUsMax, 3, i, nil)
		add(queue, float64(i%6), i, tg("scenario", sc))
		if len(batch) > 64 {
			e.Ingest(batch)
			batch = nil
		}
	}
	e.Ingest(batch)
	return e.Snapshot()
}

const goldenThresholds = `{
	"http_req_duration": ["p(95)<200", "avg<50"],
	"http_req_duration{status:503}": ["max<1000"],
	"http_req_failed": ["rate<0.01"],
	"errors": ["count<10", "rate<1"],
	"queue_depth": ["value<10"],
	"never_used": ["count>0"],
	"http_req_waiting": ["p(99.9)<500"],
	"group_duration{group:::pay}": ["avg<1000"]
}`

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./summary -update` to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs from the golden file (run with -update after checking):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestTextGolden(t *testing.T) {
	tests := []struct {
		name       string
		thresholds string
		opts       Options
		color      bool
	}{
		{"compact.txt", goldenThresholds, Options{}, false},
		{"compact-color.txt", goldenThresholds, Options{}, true},
		{"full.txt", goldenThresholds, Options{Mode: ModeFull}, false},
		{"no-thresholds.txt", "", Options{}, false},
		{"trend-stats-seconds.txt", `{"http_req_duration": ["p(99)<300"]}`, Options{TrendStats: []string{"count", "avg", "p(99.9)", "max"}, TimeUnit: "s"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := run(t, tt.thresholds, tt.opts.Mode == ModeFull)
			s, err := New(snap, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, s.Text(tt.color))
		})
	}
}

func TestTextColor(t *testing.T) {
	s, err := New(run(t, goldenThresholds, false), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if plain := s.Text(false); strings.Contains(plain, "\x1b[") {
		t.Fatal("uncoloured text contains escape codes")
	}
	colored := s.Text(true)
	for _, want := range []string{"\x1b[32m✓ 'p(95)<200'\x1b[0m", "\x1b[31m✗ 'avg<50'\x1b[0m", "\x1b[1m█ TOTAL RESULTS\x1b[0m"} {
		if !strings.Contains(colored, want) {
			t.Errorf("coloured text lacks %q", want)
		}
	}
}

func TestData(t *testing.T) {
	snap := run(t, goldenThresholds, false)
	s, err := New(snap, Options{TestRunDuration: 8 * time.Second, IsStdOutTTY: true, NoColor: true, SetupData: json.RawMessage(`{"token":"abc"}`)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Map()
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	golden(t, "data.json", buf.String())

	get := func(path ...string) any {
		var cur any = m
		for _, p := range path {
			cur = cur.(map[string]any)[p]
		}
		return cur
	}
	checks := []struct {
		path []string
		want any
	}{
		{[]string{"metrics", "http_reqs", "type"}, "counter"},
		{[]string{"metrics", "http_reqs", "contains"}, "default"},
		{[]string{"metrics", "http_reqs", "values", "count"}, 40.0},
		{[]string{"metrics", "http_reqs", "values", "rate"}, 5.0}, // 40 over the 8 s test run
		{[]string{"metrics", "data_sent", "contains"}, "data"},
		{[]string{"metrics", "http_req_duration", "contains"}, "time"},
		{[]string{"metrics", "http_req_duration", "thresholds", "p(95)<200", "ok"}, true},
		{[]string{"metrics", "http_req_duration", "thresholds", "avg<50", "ok"}, false},
		{[]string{"metrics", "http_req_failed", "values", "passes"}, 4.0},
		{[]string{"metrics", "http_req_failed", "values", "fails"}, 36.0},
		{[]string{"metrics", "http_req_failed", "values", "rate"}, 0.1},
		{[]string{"metrics", "queue_depth", "values", "value"}, 3.0},
		{[]string{"metrics", "queue_depth", "values", "max"}, 5.0},
		{[]string{"metrics", "never_used", "values", "count"}, 0.0},
		{[]string{"metrics", "never_used", "thresholds", "count>0", "ok"}, false},
		{[]string{"options", "summaryTimeUnit"}, ""},
		{[]string{"options", "noColor"}, true},
		{[]string{"state", "isStdOutTTY"}, true},
		{[]string{"state", "isStdErrTTY"}, false},
		{[]string{"state", "testRunDurationMs"}, 8000.0},
		{[]string{"setup_data", "token"}, "abc"},
		{[]string{"root_group", "id"}, "d41d8cd98f00b204e9800998ecf8427e"},
	}
	for _, c := range checks {
		if got := get(c.path...); got != c.want {
			t.Errorf("%s = %v (%T), want %v", strings.Join(c.path, "."), got, got, c.want)
		}
	}
	if _, ok := m["metrics"].(map[string]any)["http_req_duration{expected_response:true}"]; !ok {
		t.Error("the expected_response sub-metric is missing")
	}
	if _, ok := m["metrics"].(map[string]any)["group_duration"]; !ok {
		t.Error("handleSummary data must hold every metric with samples, shown in the text or not")
	}
	trend := get("metrics", "http_req_duration", "values").(map[string]any)
	for _, k := range DefaultTrendStats {
		if _, ok := trend[k]; !ok {
			t.Errorf("trend values lack %q: %v", k, trend)
		}
	}
	// root_group: checks of the root group, then ::pay with its check and ::pay::card.
	rg := s.Data().RootGroup
	if len(rg.Checks) != 1 || rg.Checks[0].Name != "status is 200" || rg.Checks[0].Path != "::status is 200" || rg.Checks[0].Passes+rg.Checks[0].Fails != 30 {
		t.Fatalf("root checks %+v", rg.Checks)
	}
	if len(rg.Groups) != 1 || rg.Groups[0].Name != "pay" || rg.Groups[0].Path != "::pay" || rg.Groups[0].ID != groupID("::pay") {
		t.Fatalf("groups %+v", rg.Groups)
	}
	pay := rg.Groups[0]
	if len(pay.Groups) != 1 || pay.Groups[0].Name != "card" || pay.Groups[0].Path != "::pay::card" {
		t.Fatalf("nested groups %+v", pay.Groups)
	}
	if len(pay.Checks) != 2 || pay.Checks[0].Path != "::pay::order accepted" || pay.Checks[1].Path != "::pay::status is 200" {
		t.Fatalf("pay checks %+v", pay.Checks)
	}
}

func TestExport(t *testing.T) {
	s, err := New(run(t, goldenThresholds, false), Options{TestRunDuration: 8 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Export()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "export.json", string(b))
	var ex struct {
		RootGroup struct {
			ID     string                     `json:"id"`
			Groups map[string]json.RawMessage `json:"groups"`
			Checks map[string]struct {
				Path   string `json:"path"`
				Passes int    `json:"passes"`
			} `json:"checks"`
		} `json:"root_group"`
		Metrics map[string]map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	if ex.RootGroup.ID != "d41d8cd98f00b204e9800998ecf8427e" || ex.RootGroup.Checks["status is 200"].Path != "::status is 200" {
		t.Fatalf("root group %+v", ex.RootGroup)
	}
	if _, ok := ex.RootGroup.Groups["pay"]; !ok {
		t.Fatal("legacy groups are keyed by name")
	}
	f := ex.Metrics["http_req_failed"]
	if f["value"] != 0.1 || f["passes"] != 4.0 || f["fails"] != 36.0 {
		t.Fatalf("legacy rate metric %v", f)
	}
	// Legacy thresholds say whether each one FAILED.
	th := ex.Metrics["http_req_duration"]["thresholds"].(map[string]any)
	if th["avg<50"] != true || th["p(95)<200"] != false {
		t.Fatalf("legacy thresholds %v", th)
	}
	if ex.Metrics["http_reqs"]["count"] != 40.0 {
		t.Fatalf("legacy counter %v", ex.Metrics["http_reqs"])
	}
}

func TestOptionsValidation(t *testing.T) {
	snap := run(t, "", false)
	bad := []Options{
		{TrendStats: []string{"avg", "p(101)"}},
		{TrendStats: []string{"mean"}},
		{TrendStats: []string{"rate"}},
		{TimeUnit: "h"},
		{Mode: "legacy"},
	}
	for _, o := range bad {
		if _, err := New(snap, o); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("New(%+v) error = %v, want ErrInvalidOption", o, err)
		}
	}
	if err := ValidateTrendStats([]string{"avg", "min", "med", "max", "count", "p(99.99)", "p(0)"}); err != nil {
		t.Errorf("valid stats rejected: %v", err)
	}
	for _, u := range []string{"", "s", "ms", "us"} {
		if err := ValidateTimeUnit(u); err != nil {
			t.Errorf("time unit %q rejected: %v", u, err)
		}
	}
}
