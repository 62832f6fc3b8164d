package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeOptionsValid(t *testing.T) {
	o, warns, err := DecodeOptions([]byte(`{
		"vus": 10, "duration": "1m30s", "iterations": 1e3,
		"stages": [{"duration": "10s", "target": 5}, {"duration": 2000, "target": 0}],
		"setupTimeout": "2m", "noSetup": false, "paused": true,
		"thresholds": {"http_req_duration": ["p(95)<500", {"threshold": "avg<100", "abortOnFail": true}], "checks": "rate>0.9"},
		"tags": {"team": "core"}, "systemTags": ["url", "status"],
		"summaryTrendStats": ["avg", "p(99.9)"], "summaryTimeUnit": "ms",
		"userAgent": "ua/1", "tlsVersion": {"min": "tls1.2", "max": "tls1.3"},
		"hosts": {"a.test": "127.0.0.1"}, "maxRedirects": 3, "httpDebug": "full",
		"scenarios": {"s": {"executor": "constant-vus", "duration": "1s"}}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	if o.Paused == nil || !*o.Paused {
		t.Errorf("paused: %v", o.Paused)
	}
	if *o.VUs != 10 || o.Duration.D() != 90*time.Second || *o.Iterations != 1000 {
		t.Errorf("shorthands: vus=%d duration=%s iterations=%d", *o.VUs, o.Duration, *o.Iterations)
	}
	if len(o.Stages) != 2 || o.Stages[1].Duration.D() != 2*time.Second || o.Stages[0].Target != 5 {
		t.Errorf("stages: %+v", o.Stages)
	}
	if th := o.Thresholds["http_req_duration"]; len(th) != 2 || !th[1].AbortOnFail || th[1].Source != "avg<100" {
		t.Errorf("thresholds: %+v", o.Thresholds)
	}
	if o.Thresholds["checks"][0].Source != "rate>0.9" {
		t.Errorf("single threshold: %+v", o.Thresholds["checks"])
	}
	if o.TLSVersion.Min != "tls1.2" || o.TLSVersion.Max != "tls1.3" {
		t.Errorf("tlsVersion: %+v", o.TLSVersion)
	}
	if o.Scenarios == nil || len(o.Scenarios["s"]) == 0 {
		t.Errorf("scenarios not kept: %v", o.Scenarios)
	}
}

func TestDecodeOptionsNullIsUnset(t *testing.T) {
	o, _, err := DecodeOptions([]byte(`{"vus": null, "stages": null, "tags": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if o.VUs != nil || o.Stages != nil || o.Tags != nil {
		t.Errorf("null values should leave options unset: %+v", o)
	}
}

func TestDecodeOptionsWarnings(t *testing.T) {
	_, warns, err := DecodeOptions([]byte(`{"vus": 1, "foo": 1, "ext": {}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`option "ext" is a k6 option Stampede does not support; it is ignored`,
		`unknown option "foo" in the script's options; it is ignored`,
	}
	if strings.Join(warns, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warns, "\n"), strings.Join(want, "\n"))
	}
}

// Each wrong type gives one message naming the option, the value and what is
// allowed; all are reported together.
func TestDecodeOptionsErrorMessages(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"int as string", `{"vus": "10"}`, []string{`option "vus": invalid value "10": expected an integer`}},
		{"fractional int", `{"iterations": 10.5}`, []string{`option "iterations": invalid value 10.5: expected an integer`}},
		{"bool", `{"noSetup": "yes"}`, []string{`option "noSetup": invalid value "yes": expected true or false`}},
		{"duration", `{"duration": "ten seconds"}`, []string{`option "duration": invalid value "ten seconds": expected a duration string like "30s", "1m30s" or "1d2h", or a number of milliseconds`}},
		{"duration bool", `{"setupTimeout": true}`, []string{`option "setupTimeout": invalid value true: expected a duration string`}},
		{"stages not array", `{"stages": {"duration": "1s"}}`, []string{`option "stages": invalid value {"duration": "1s"}: expected an array of stages`}},
		{"stage fields", `{"stages": [{"duration": "1s", "target": "5"}, {"target": 1, "foo": 2}]}`, []string{
			`option "stages[0].target": invalid value "5": expected an integer`,
			`option "stages[1].foo": unknown option; allowed here: duration, target`,
			`option "stages[1].duration": a stage needs a duration`,
		}},
		{"tags values", `{"tags": {"a": 1}}`, []string{`option "tags.a": invalid value 1: expected a string`}},
		{"string list", `{"summaryTrendStats": ["avg", 5]}`, []string{`option "summaryTrendStats[1]": invalid value 5: expected a string`}},
		{"threshold", `{"thresholds": {"x": 5}}`, []string{`option "thresholds[\"x\"]": invalid value 5: expected a threshold expression`}},
		{"threshold object", `{"thresholds": {"x": [{"threshold": "rate>0", "bogus": 1}]}}`, []string{`option "thresholds[\"x\"]": invalid value`}},
		{"scenarios", `{"scenarios": []}`, []string{`option "scenarios": invalid value []: expected an object`}},
		{"tlsVersion", `{"tlsVersion": 12}`, []string{`option "tlsVersion": invalid value 12: expected a TLS version`}},
		{"several at once", `{"vus": true, "duration": [], "userAgent": 5}`, []string{
			`option "duration": invalid value []`,
			`option "userAgent": invalid value 5: expected a string`,
			`option "vus": invalid value true: expected an integer`,
		}},
		{"not an object", `[1]`, []string{`option "options": invalid value [1]: expected an object`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := DecodeOptions([]byte(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error does not wrap ErrInvalidConfig: %v", err)
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

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"30s", 30 * time.Second, false},
		{"1m30s", 90 * time.Second, false},
		{"1d", 24 * time.Hour, false},
		{"1d2h", 26 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"-1d2h", -26 * time.Hour, false},
		{"10", 10 * time.Second, false},
		{"0.5", 500 * time.Millisecond, false},
		{" 2s ", 2 * time.Second, false},
		{"", 0, true},
		{"d", 0, true},
		{"1d-2h", 0, true},
		{"NaN", 0, true},
		{"Inf", 0, true},
		{"1e3", 0, true},
		{"9999999999999d", 0, true},
		{"106000d20000h", 0, true},
		{"ten", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.err {
				if err == nil || !errors.Is(err, ErrInvalidDuration) {
					t.Fatalf("ParseDuration(%q) = %v, %v; want an ErrInvalidDuration", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzParseDuration: ParseDuration never panics, and what it accepts renders
// to a string it parses back to the same value.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30s", "1d2h", "1.5d", "-1d", "10", "0.001", "1h1m1s1ms1us1ns", "NaN", "1e9", "9223372036s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidDuration) {
				t.Fatalf("ParseDuration(%q) error does not wrap ErrInvalidDuration: %v", s, err)
			}
			return
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %v; reparsing %q gives %v, %v", s, d, d.String(), back, err)
		}
	})
}
