package config

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func parseOne(t *testing.T, js string) (Scenario, error) {
	t.Helper()
	scs, err := ParseScenarios(map[string]json.RawMessage{"s": json.RawMessage(js)})
	if len(scs) == 1 {
		return scs[0], err
	}
	return nil, err
}

func TestScenarioDefaults(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`{"executor": "shared-iterations"}`, `{"executor":"shared-iterations","startTime":"0s","gracefulStop":"30s","exec":"default","vus":1,"iterations":1,"maxDuration":"10m0s"}`},
		{`{"executor": "per-vu-iterations", "exec": "other", "env": {"A": "1"}, "tags": {"t": "v"}, "startTime": "5s", "gracefulStop": 2000}`,
			`{"executor":"per-vu-iterations","startTime":"5s","gracefulStop":"2s","exec":"other","env":{"A":"1"},"tags":{"t":"v"},"vus":1,"iterations":1,"maxDuration":"10m0s"}`},
		{`{"executor": "constant-vus", "duration": "1m"}`, `{"executor":"constant-vus","startTime":"0s","gracefulStop":"30s","exec":"default","vus":1,"duration":"1m0s"}`},
		{`{"executor": "ramping-vus", "stages": [{"duration": "1s", "target": 3}]}`,
			`{"executor":"ramping-vus","startTime":"0s","gracefulStop":"30s","exec":"default","startVUs":1,"stages":[{"duration":"1s","target":3}],"gracefulRampDown":"30s"}`},
		{`{"executor": "constant-arrival-rate", "rate": 10, "duration": "1m", "preAllocatedVUs": 4}`,
			`{"executor":"constant-arrival-rate","startTime":"0s","gracefulStop":"30s","exec":"default","rate":10,"timeUnit":"1s","duration":"1m0s","preAllocatedVUs":4,"maxVUs":4}`},
		{`{"executor": "ramping-arrival-rate", "stages": [{"duration": "1s", "target": 3}], "preAllocatedVUs": 2, "maxVUs": 9, "timeUnit": "1m"}`,
			`{"executor":"ramping-arrival-rate","startTime":"0s","gracefulStop":"30s","exec":"default","startRate":0,"timeUnit":"1m0s","stages":[{"duration":"1s","target":3}],"preAllocatedVUs":2,"maxVUs":9}`},
		// No gracefulStop (it has none, and refuses one): what is encoded decodes again.
		{`{"executor": "externally-controlled", "duration": "10m"}`, `{"executor":"externally-controlled","startTime":"0s","exec":"default","vus":1,"maxVUs":1,"duration":"10m0s"}`},
		{`{"executor": "externally-controlled", "vus": 2, "maxVUs": 50, "duration": 0, "startTime": "1s"}`, `{"executor":"externally-controlled","startTime":"1s","exec":"default","vus":2,"maxVUs":50,"duration":"0s"}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			sc, err := parseOne(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(sc)
			if string(b) != tt.want {
				t.Errorf("\n got %s\nwant %s", b, tt.want)
			}
			again, err := parseOne(t, string(b))
			if err != nil {
				t.Fatalf("what was encoded does not decode: %v", err)
			}
			if b2, _ := json.Marshal(again); string(b2) != string(b) {
				t.Errorf("decoded again, it encodes as\n%s", b2)
			}
			if sc.Common().Name != "s" || sc.Common().FromShorthands() {
				t.Errorf("common: %+v", sc.Common())
			}
		})
	}
}

func TestScenarioValidationMessages(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"missing executor", `{"vus": 1}`, []string{`option "scenarios.s.executor": the executor is required; allowed: shared-iterations, per-vu-iterations`}},
		{"not an object", `5`, []string{`option "scenarios.s": invalid value 5: expected an object`}},
		{"externally-controlled without duration", `{"executor": "externally-controlled"}`, []string{`option "scenarios.s.duration": the duration is unspecified; the externally-controlled executor needs one (0 runs until the test is stopped)`}},
		{"externally-controlled values", `{"executor": "externally-controlled", "vus": 5, "maxVUs": 2, "duration": "-1s", "gracefulStop": "5s"}`, []string{
			`option "scenarios.s.gracefulStop": the externally-controlled executor has no graceful stop: remove the option`,
			`option "scenarios.s.maxVUs": invalid value 2: maxVUs can't be less than vus (5)`,
			`option "scenarios.s.duration": invalid value "-1s": the duration can't be negative`,
		}},
		{"externally-controlled negative vus", `{"executor": "externally-controlled", "vus": -1, "duration": 0}`, []string{
			`option "scenarios.s.vus": invalid value -1: the number of VUs can't be negative`,
		}},
		{"externally-controlled unknown key", `{"executor": "externally-controlled", "duration": "1m", "stages": []}`, []string{
			`option "scenarios.s.stages": unknown option; allowed here: duration, env, exec, executor, gracefulStop, maxVUs, startTime, tags, vus`,
		}},
		{"unknown key and wrong type together", `{"executor": "constant-vus", "duration": "1s", "rate": 5, "vus": "2"}`, []string{
			`option "scenarios.s.rate": unknown option; allowed here: duration, env, exec, executor, gracefulStop, startTime, tags, vus`,
			`option "scenarios.s.vus": invalid value "2": expected an integer`,
		}},
		{"common", `{"executor": "per-vu-iterations", "startTime": "-1s", "gracefulStop": "-2s", "exec": ""}`, []string{
			`option "scenarios.s.startTime": invalid value "-1s": the startTime can't be negative`,
			`option "scenarios.s.gracefulStop": invalid value "-2s": the gracefulStop timeout can't be negative`,
			`option "scenarios.s.exec": invalid value "": exec must name an exported function`,
		}},
		{"shared-iterations", `{"executor": "shared-iterations", "vus": 10, "iterations": 3, "maxDuration": "100ms"}`, []string{
			`option "scenarios.s.iterations": invalid value 3: the number of iterations (3) can't be less than the number of VUs (10)`,
			`option "scenarios.s.maxDuration": invalid value "100ms": the maxDuration must be at least 1s`,
		}},
		{"per-vu-iterations", `{"executor": "per-vu-iterations", "vus": -1, "iterations": 0}`, []string{
			`option "scenarios.s.vus": invalid value -1: the number of VUs must be more than 0`,
			`option "scenarios.s.iterations": invalid value 0: the number of iterations must be more than 0`,
		}},
		{"constant-vus without duration", `{"executor": "constant-vus", "vus": 0}`, []string{
			`option "scenarios.s.vus": invalid value 0: the number of VUs must be more than 0`,
			`option "scenarios.s.duration": the duration is unspecified; the constant-vus executor needs one`,
		}},
		{"ramping-vus", `{"executor": "ramping-vus", "startVUs": 0, "gracefulRampDown": "-1s", "stages": [{"duration": "-1s", "target": 0}, {"duration": "1s", "target": -2}]}`, []string{
			`option "scenarios.s.gracefulRampDown": invalid value "-1s": the gracefulRampDown timeout can't be negative`,
			`option "scenarios.s.stages[0].duration": invalid value "-1s": the duration of a stage can't be negative`,
			`option "scenarios.s.stages[1].target": invalid value -2: the target of a stage can't be negative`,
			`option "scenarios.s.stages": either startVUs or one of the stages' target values must be greater than 0`,
		}},
		{"ramping-vus without stages", `{"executor": "ramping-vus"}`, []string{
			`option "scenarios.s.stages": at least one stage is required by the ramping-vus executor`,
		}},
		{"constant-arrival-rate missing everything", `{"executor": "constant-arrival-rate", "timeUnit": "0s"}`, []string{
			`option "scenarios.s.rate": the iteration rate isn't specified; the constant-arrival-rate executor needs one`,
			`option "scenarios.s.timeUnit": invalid value "0s": the timeUnit must be more than 0`,
			`option "scenarios.s.duration": the duration is unspecified; the constant-arrival-rate executor needs one`,
			`option "scenarios.s.preAllocatedVUs": the number of pre-allocated VUs isn't specified; the constant-arrival-rate executor needs it`,
		}},
		{"constant-arrival-rate values", `{"executor": "constant-arrival-rate", "rate": 0, "duration": "1s", "preAllocatedVUs": 5, "maxVUs": 2}`, []string{
			`option "scenarios.s.rate": invalid value 0: the iteration rate must be more than 0`,
			`option "scenarios.s.maxVUs": invalid value 2: maxVUs can't be less than preAllocatedVUs (5)`,
		}},
		{"ramping-arrival-rate", `{"executor": "ramping-arrival-rate", "startRate": -1, "stages": [], "preAllocatedVUs": 0}`, []string{
			`option "scenarios.s.startRate": invalid value -1: the startRate can't be negative`,
			`option "scenarios.s.stages": at least one stage is required by the ramping-arrival-rate executor`,
			`option "scenarios.s.maxVUs": invalid value 0: at least one VU is needed: set preAllocatedVUs or maxVUs above 0`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseOne(t, tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("not ErrInvalidConfig: %v", err)
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

func TestFromEnv(t *testing.T) {
	c, err := FromEnv(map[string]string{
		"K6_VUS": "3", "K6_DURATION": "1m", "K6_ITERATIONS": "", "K6_STAGES": "10s:5, 20s:0",
		"K6_NO_THRESHOLDS": "true", "K6_SUMMARY_TREND_STATS": "avg,p(99)", "K6_USER_AGENT": "ua",
		"K6_TAGS": "team=core,url=http://x:1", "K6_OUT": "json=a.json,csv=b.csv", "K6_TLS_VERSION": "tls1.3",
		"K6_SUMMARY_EXPORT": "s.json", "K6_EXECUTION_SEGMENT": "0:1/2", "K6_SETUP_TIMEOUT": "5s",
		"K6_PAUSED": "true", "HOME": "/root", "K6_UNKNOWN_OUTPUT_SETTING": "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	if *c.VUs != 3 || c.Duration.D() != time.Minute || c.Iterations != nil {
		t.Errorf("shorthands %+v", c.Options)
	}
	if len(c.Stages) != 2 || c.Stages[1].Duration.D() != 20*time.Second || c.Stages[0].Target != 5 {
		t.Errorf("stages %+v", c.Stages)
	}
	if !*c.NoThresholds || strings.Join(c.SummaryTrendStats, "|") != "avg|p(99)" || *c.UserAgent != "ua" {
		t.Errorf("misc %+v", c.Options)
	}
	if c.Tags["url"] != "http://x:1" || c.Tags["team"] != "core" {
		t.Errorf("tags %v", c.Tags)
	}
	if strings.Join(c.Out, "|") != "json=a.json|csv=b.csv" || *c.SummaryExport != "s.json" {
		t.Errorf("run settings %v %v", c.Out, c.SummaryExport)
	}
	if c.Paused == nil || !*c.Paused {
		t.Errorf("K6_PAUSED: %v", c.Paused)
	}
	if c.TLSVersion.Min != "tls1.3" || *c.ExecutionSegment != "0:1/2" || c.SetupTimeout.D() != 5*time.Second {
		t.Errorf("tls/segment/setup %+v", c.Options)
	}
}

func TestFromEnvErrors(t *testing.T) {
	_, err := FromEnv(map[string]string{
		"K6_VUS": "ten", "K6_DURATION": "forever", "K6_NO_SETUP": "maybe", "K6_STAGES": "10s:5,10s", "K6_TAGS": "=x",
	})
	want := []string{
		`option "K6_VUS": invalid value "ten": expected an integer`,
		`option "K6_DURATION": invalid value "forever": expected a duration like "30s", "1m30s" or "1d2h"`,
		`option "K6_STAGES": invalid value "10s": expected a stage like "30s:10" (duration:target)`,
		`option "K6_NO_SETUP": invalid value "maybe": expected true or false (also 1/0, t/f)`,
		`option "K6_TAGS": invalid value "=x": expected key=value`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("\n got %v\nwant %s", err, strings.Join(want, "\n"))
	}
	if !errors.Is(err, ErrInvalidConfig) {
		t.Error("not ErrInvalidConfig")
	}
	if len(EnvVars()) < 30 {
		t.Errorf("only %d env vars", len(EnvVars()))
	}
}
