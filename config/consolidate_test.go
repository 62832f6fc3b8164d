package config

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func mustDecode(t *testing.T, js string) Options {
	t.Helper()
	if js == "" {
		return Options{}
	}
	o, _, err := DecodeOptions([]byte(js))
	if err != nil {
		t.Fatalf("decoding %s: %v", js, err)
	}
	return o
}

func mustEnv(t *testing.T, env map[string]string) Config {
	t.Helper()
	c, err := FromEnv(env)
	if err != nil {
		t.Fatalf("env %v: %v", env, err)
	}
	return c
}

// describe renders the derived scenarios compactly for comparisons.
func describe(scs []Scenario) string {
	var parts []string
	for _, sc := range scs {
		b, _ := json.Marshal(sc)
		parts = append(parts, sc.Common().Name+"="+string(b))
	}
	return strings.Join(parts, " ")
}

func TestConsolidateLayering(t *testing.T) {
	tests := []struct {
		name   string
		script string
		env    map[string]string
		cli    string // CLI layer as options JSON (cmd/stampede builds the same Options from flags)
		want   string // substring of describe(Scenarios)
		warn   string
	}{
		{
			name: "nothing: one VU, one iteration",
			want: `default={"executor":"per-vu-iterations","startTime":"0s","gracefulStop":"30s","exec":"default","vus":1,"iterations":1,"maxDuration":"10m0s"}`,
		},
		{
			name:   "script iterations and vus: shared-iterations",
			script: `{"vus": 5, "iterations": 50}`,
			want:   `default={"executor":"shared-iterations","startTime":"0s","gracefulStop":"30s","exec":"default","vus":5,"iterations":50,"maxDuration":"10m0s"}`,
		},
		{
			name:   "iterations with duration: duration is maxDuration",
			script: `{"iterations": 3, "duration": "20s"}`,
			want:   `"executor":"shared-iterations","startTime":"0s","gracefulStop":"30s","exec":"default","vus":1,"iterations":3,"maxDuration":"20s"`,
		},
		{
			name:   "duration: constant-vus",
			script: `{"vus": 3, "duration": "10s"}`,
			want:   `default={"executor":"constant-vus","startTime":"0s","gracefulStop":"30s","exec":"default","vus":3,"duration":"10s"}`,
		},
		{
			name:   "stages: ramping-vus with vus as startVUs",
			script: `{"vus": 2, "stages": [{"duration": "5s", "target": 10}]}`,
			want:   `default={"executor":"ramping-vus","startTime":"0s","gracefulStop":"30s","exec":"default","startVUs":2,"stages":[{"duration":"5s","target":10}],"gracefulRampDown":"30s"}`,
		},
		{
			name:   "env duration replaces script iterations",
			script: `{"vus": 2, "iterations": 10}`,
			env:    map[string]string{"K6_DURATION": "7s"},
			want:   `"executor":"constant-vus","startTime":"0s","gracefulStop":"30s","exec":"default","vus":2,"duration":"7s"`,
		},
		{
			name:   "cli iterations replace env stages and script scenarios, with warning",
			script: `{"scenarios": {"a": {"executor": "constant-vus", "duration": "1s"}}}`,
			env:    map[string]string{"K6_STAGES": "1s:1"},
			cli:    `{"iterations": 4, "vus": 2}`,
			want:   `default={"executor":"shared-iterations","startTime":"0s","gracefulStop":"30s","exec":"default","vus":2,"iterations":4,"maxDuration":"10m0s"}`,
			warn:   `"env" level configuration overrode scenarios configuration entirely`,
		},
		{
			name:   "cli scenarios-free vus keeps script scenarios",
			script: `{"scenarios": {"a": {"executor": "per-vu-iterations", "vus": 3}}}`,
			cli:    `{"vus": 9}`,
			want:   `a={"executor":"per-vu-iterations","startTime":"0s","gracefulStop":"30s","exec":"default","vus":3,"iterations":1,"maxDuration":"10m0s"}`,
		},
		{
			name:   "cli duration overrides script scenarios with the cli warning",
			script: `{"scenarios": {"a": {"executor": "per-vu-iterations"}}}`,
			cli:    `{"duration": "3s"}`,
			want:   `default={"executor":"constant-vus"`,
			warn:   `"cli" level configuration overrode scenarios configuration entirely`,
		},
		{
			name:   "env vus applies to script duration",
			script: `{"vus": 1, "duration": "2s"}`,
			env:    map[string]string{"K6_VUS": "4"},
			want:   `"vus":4,"duration":"2s"`,
		},
		{
			name:   "cli vus beats env vus",
			script: `{"duration": "2s"}`,
			env:    map[string]string{"K6_VUS": "4"},
			cli:    `{"vus": 6}`,
			want:   `"vus":6,"duration":"2s"`,
		},
		{
			name:   "lower layer conflict is dropped by a higher layer",
			script: `{"iterations": 1, "stages": [{"duration": "1s", "target": 1}]}`,
			cli:    `{"duration": "1s"}`,
			want:   `default={"executor":"constant-vus"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Consolidate(mustDecode(t, tt.script), mustEnv(t, tt.env), Config{Options: mustDecode(t, tt.cli)})
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(c.Scenarios); !strings.Contains(got, tt.want) {
				t.Errorf("scenarios:\n got %s\nwant %s", got, tt.want)
			}
			if got := strings.Join(c.Warnings, "\n"); got != tt.warn {
				t.Errorf("warnings = %q, want %q", got, tt.warn)
			}
			// The consolidated options carry the scenarios, encoded.
			if len(c.Options.Scenarios) != len(c.Scenarios) {
				t.Errorf("options.scenarios has %d entries, want %d", len(c.Options.Scenarios), len(c.Scenarios))
			}
		})
	}
}

func TestConsolidateDefaults(t *testing.T) {
	c, err := Consolidate(Options{}, Config{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.SetupTimeout.D() != 60*time.Second || c.TeardownTimeout.D() != 60*time.Second {
		t.Errorf("timeouts %s %s", c.SetupTimeout, c.TeardownTimeout)
	}
	if strings.Join(c.SummaryTrendStats, ",") != "avg,min,med,max,p(90),p(95)" {
		t.Errorf("summaryTrendStats %v", c.SummaryTrendStats)
	}
	if *c.MaxRedirects != 10 || *c.Batch != 20 || *c.BatchPerHost != 6 || *c.SummaryMode != "compact" {
		t.Errorf("defaults: %d %d %d %s", *c.MaxRedirects, *c.Batch, *c.BatchPerHost, *c.SummaryMode)
	}
	if _, err := c.JSON(); err != nil {
		t.Fatal(err)
	}
}

// Conflicting shorthands in one layer, and every other problem, are
// reported together.
func TestConsolidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		script string
		env    map[string]string
		cli    string
		want   []string
	}{
		{"iterations and stages", `{"iterations": 1, "stages": []}`, nil, "", []string{
			"using multiple execution config shortcuts (`iterations` and `stages`) simultaneously is not allowed",
		}},
		{"iterations and scenarios", `{"iterations": 1, "scenarios": {}}`, nil, "", []string{
			"using an execution configuration shortcut (`iterations`) and `scenarios` simultaneously is not allowed",
		}},
		{"duration, stages and scenarios in the cli layer", "", nil, `{"duration": "1s", "stages": [], "scenarios": {}}`, []string{
			"using multiple execution config shortcuts (`duration` and `stages`) simultaneously is not allowed",
			"using an execution configuration shortcut (`duration`) and `scenarios` simultaneously is not allowed",
		}},
		{"stages and scenarios in env+script", "", map[string]string{"K6_STAGES": "1s:1"}, "", nil},
		{"stages and scenarios", `{"stages": [{"duration": "1s", "target": 1}], "scenarios": {"x": {"executor": "constant-vus"}}}`, nil, "", []string{
			"using an execution configuration shortcut (`stages`) and `scenarios` simultaneously is not allowed",
		}},
		{"bad shorthand values name the shorthand", `{"vus": 0, "duration": "500ms"}`, nil, "", []string{
			`option "vus": invalid value 0: the number of VUs must be more than 0`,
			`option "duration": invalid value "500ms": the duration must be at least 1s`,
		}},
		{"iterations below vus", `{"vus": 5, "iterations": 2}`, nil, "", []string{
			`option "iterations": invalid value 2: the number of iterations (2) can't be less than the number of VUs (5)`,
		}},
		{"everything at once", `{"summaryTrendStats": ["avg", "p(101)", "mean"], "summaryTimeUnit": "h", "systemTags": ["nope"],
			"executionSegment": "1/2:1/4", "tlsVersion": "tls9", "setupTimeout": -1000, "maxRedirects": -1,
			"scenarios": {"bad name": {"executor": "constant-vus", "duration": "1s"}, "x": {"executor": "warp-speed"}}}`, nil, "", []string{
			`option "scenarios": invalid value "bad name": a scenario name may only contain numbers, latin letters, underscores and dashes`,
			`option "scenarios.x.executor": invalid value "warp-speed": unknown executor; allowed: shared-iterations, per-vu-iterations, constant-vus, ramping-vus, constant-arrival-rate, ramping-arrival-rate`,
			`option "setupTimeout": invalid value "-1s": can't be negative`,
			`option "maxRedirects": invalid value -1: can't be negative`,
			`option "summaryTrendStats[1]": invalid value "p(101)": allowed: avg, min, med, max, count, p(N) with 0 <= N <= 100`,
			`option "summaryTrendStats[2]": invalid value "mean": allowed`,
			`option "summaryTimeUnit": invalid value "h": allowed: "s", "ms", "us"`,
			`option "systemTags[0]": invalid value "nope": allowed: check, error`,
			`option "tlsVersion.min": invalid value "tls9": allowed`,
			`option "tlsVersion.max": invalid value "tls9": allowed`,
			`option "executionSegment": invalid value "1/2:1/4": the start must be less than the end; expected a segment like "1/4:2/4"`,
		}},
		{"env values", "", map[string]string{"K6_SUMMARY_MODE": "verbose", "K6_EXECUTION_SEGMENT": "0:1/3", "K6_EXECUTION_SEGMENT_SEQUENCE": "0,1/4,1"}, "", []string{
			`option "summaryMode": invalid value "verbose": allowed: "compact", "full", "disabled"`,
			`option "executionSegment": invalid value "0:1/3": not one of the segments of the sequence 0,1/4,1`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := mustDecode(t, tt.script)
			if tt.want == nil { // script scenarios + env stages: env wins, no error
				script = mustDecode(t, `{"scenarios": {"x": {"executor": "constant-vus", "duration": "1s"}}}`)
			}
			c, err := Consolidate(script, mustEnv(t, tt.env), Config{Options: mustDecode(t, tt.cli)})
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if c == nil {
				t.Fatal("nil result with error")
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("not an ErrInvalidConfig: %v", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("problem %d:\n got %s\nwant %s...", i, lines[i], w)
				}
			}
		})
	}
}

func TestExecutionTuple(t *testing.T) {
	seg, seq := "1/4:2/4", "0,1/4,2/4,3/4,1"
	o := Options{ExecutionSegment: &seg, ExecutionSegmentSequence: &seq}
	tu, err := o.ExecutionTuple()
	if err != nil {
		t.Fatal(err)
	}
	if got := tu.Scale(100); got != 25 {
		t.Errorf("Scale(100) = %d", got)
	}
}

func TestApplyCopiesEverySetField(t *testing.T) {
	ua, yes := "x", true
	low := Options{UserAgent: &ua, Tags: map[string]string{"a": "1"}}
	high := Options{Throw: &yes, Tags: map[string]string{"b": "2"}}
	got := low.Apply(high)
	if got.UserAgent == nil || *got.UserAgent != "x" || got.Throw == nil || got.Tags["b"] != "2" || got.Tags["a"] != "" {
		t.Errorf("Apply: %+v", got)
	}
}
