package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-load/stampede/engine/segment"
)

// Config is one configuration layer (environment or CLI), or the consolidated
// result: the test options plus the run settings that scripts cannot set.
// As in Options, nil means "not set by this layer".
type Config struct {
	Options

	// Out lists the outputs (-o/--out, K6_OUT), e.g. "json=results.json".
	Out []string `json:"out,omitempty"`
	// SummaryExport is the path of the JSON summary export (--summary-export).
	SummaryExport *string `json:"summaryExport,omitempty"`
	// SummaryMode is "compact" (default), "full" or "disabled" (--summary-mode).
	SummaryMode *string `json:"summaryMode,omitempty"`
}

// Summary modes.
const (
	SummaryCompact  = "compact"
	SummaryFull     = "full"
	SummaryDisabled = "disabled"
)

// Defaults applied to the consolidated options when no layer sets them.
const (
	DefaultSetupTimeout    = 60 * time.Second
	DefaultTeardownTimeout = 60 * time.Second
)

// DefaultSummaryTrendStats are k6's default trend columns of the summary.
var DefaultSummaryTrendStats = []string{"avg", "min", "med", "max", "p(90)", "p(95)"}

// AllSystemTags are the system tag names k6 knows.
var AllSystemTags = []string{
	"check", "error", "error_code", "expected_response", "group", "iter", "ip", "method",
	"name", "ocsp_status", "proto", "scenario", "service", "status", "subproto",
	"tls_version", "url", "vu",
}

// DefaultSystemTags are the system tags enabled by default (k6's).
var DefaultSystemTags = []string{
	"check", "error", "error_code", "expected_response", "group", "method", "name",
	"proto", "scenario", "service", "status", "subproto", "tls_version", "url",
}

// Apply returns o with every option that h sets taking h's value. As in k6,
// when h sets any of duration, iterations, stages or scenarios, all four are
// first dropped from o: a higher layer replaces the lower one's execution
// configuration entirely.
func (o Options) Apply(h Options) Options {
	if setsExecution(h) {
		o.Duration, o.Iterations, o.Stages, o.Scenarios = nil, nil, nil, nil
	}
	dns := o.DNS.apply(h.DNS) // field by field, as k6 merges it
	ov, hv := reflect.ValueOf(&o).Elem(), reflect.ValueOf(h)
	for i := 0; i < hv.NumField(); i++ {
		if f := hv.Field(i); isSet(f) {
			ov.Field(i).Set(f)
		}
	}
	o.DNS = dns
	return o
}

// Apply returns c with every setting of h taking h's value (see Options.Apply).
func (c Config) Apply(h Config) Config {
	c.Options = c.Options.Apply(h.Options)
	if h.Out != nil {
		c.Out = h.Out
	}
	if h.SummaryExport != nil {
		c.SummaryExport = h.SummaryExport
	}
	if h.SummaryMode != nil {
		c.SummaryMode = h.SummaryMode
	}
	return c
}

// isSet reports whether a layer sets a field: non-nil for pointers, maps and
// slices (the Options convention), non-zero for anything else.
func isSet(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return !v.IsNil()
	default:
		return !v.IsZero()
	}
}

func setsExecution(o Options) bool {
	return o.Duration != nil || o.Iterations != nil || o.Stages != nil || o.Scenarios != nil
}

// Consolidated is the configuration of one run: every layer merged, defaults
// applied, and the scenarios decoded (derived from the shorthands when the
// options have no scenarios). Options.Scenarios holds the same scenarios,
// encoded, so that the options scripts and `stampede inspect` see show them.
type Consolidated struct {
	Config
	// Scenarios sorted by name.
	Scenarios []Scenario
	// Warnings to log (k6's "overrode scenarios configuration" and others).
	Warnings []string
}

// Consolidate merges the layers as k6 does — defaults < script options < K6_*
// environment < CLI flags — derives the scenarios and validates everything.
// Every problem is reported in one joined error whose parts wrap
// ErrInvalidConfig; on error the returned value is still filled as far as
// possible (for `stampede inspect`).
func Consolidate(script Options, env, cli Config) (*Consolidated, error) {
	return ConsolidateFile(Config{}, script, env, cli)
}

// ConsolidateFile is Consolidate with k6's configuration file (--config,
// DecodeConfigFile) as the lowest layer: defaults < config file < script
// options < K6_* environment < CLI flags.
func ConsolidateFile(file Config, script Options, env, cli Config) (*Consolidated, error) {
	var (
		c     Config
		warns []string
	)
	layers := []struct {
		name string
		cfg  Config
	}{{"config file", file}, {"script", Config{Options: script}}, {"env", env}, {"cli", cli}}
	for _, l := range layers {
		if c.Scenarios != nil && setsExecution(l.cfg.Options) {
			warns = append(warns, fmt.Sprintf("%q level configuration overrode scenarios configuration entirely", l.name))
		}
		c = c.Apply(l.cfg)
	}
	out := &Consolidated{Warnings: warns}
	scs, scErr := DeriveScenarios(c.Options)
	errs := []error{scErr}
	errs = append(errs, c.validate()...)
	c.applyDefaults()
	if scs != nil {
		c.Scenarios = EncodeScenarios(scs)
	}
	out.Config, out.Scenarios = c, scs
	return out, errors.Join(errs...)
}

// DeriveScenarios returns the scenarios of o: options.scenarios decoded, or
// the "default" scenario built from the shorthands with k6's rules:
// iterations (+vus, +duration as maxDuration) -> shared-iterations; duration
// (+vus) -> constant-vus; stages (+vus as startVUs) -> ramping-vus; nothing ->
// per-vu-iterations with 1 VU and 1 iteration. Shorthands that conflict with
// each other or with scenarios are errors.
func DeriveScenarios(o Options) ([]Scenario, error) {
	common := ScenarioCommon{Name: "default", GracefulStop: Duration(DefaultGracefulStop), Exec: DefaultExec, shorthand: true}
	vus := Int(o.VUs, 1)
	var sc Scenario
	switch {
	case o.Iterations != nil:
		var errs []error
		if o.Stages != nil {
			errs = append(errs, conflict("iterations", "stages"))
		}
		if o.Scenarios != nil {
			errs = append(errs, conflictScenarios("iterations"))
		}
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		common.Executor = SharedIterations
		c := &SharedIterationsConfig{ScenarioCommon: common, VUs: vus, Iterations: *o.Iterations, MaxDuration: Duration(DefaultMaxDuration)}
		if o.Duration != nil {
			c.MaxDuration = *o.Duration
		}
		sc = c
	case o.Duration != nil:
		var errs []error
		if o.Stages != nil {
			errs = append(errs, conflict("duration", "stages"))
		}
		if o.Scenarios != nil {
			errs = append(errs, conflictScenarios("duration"))
		}
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		common.Executor = ConstantVUs
		sc = &ConstantVUsConfig{ScenarioCommon: common, VUs: vus, Duration: *o.Duration, durationSet: true}
	case o.Stages != nil:
		if o.Scenarios != nil {
			return nil, conflictScenarios("stages")
		}
		common.Executor = RampingVUs
		sc = &RampingVUsConfig{ScenarioCommon: common, StartVUs: vus, Stages: o.Stages, GracefulRampDown: Duration(DefaultGracefulRampDown)}
	case o.Scenarios != nil:
		scs, err := ParseScenarios(o.Scenarios)
		if err == nil && len(scs) == 0 {
			err = optErr("scenarios", nil, "at least one scenario is needed")
		}
		return scs, err
	default:
		common.Executor = PerVUIterations
		sc = &PerVUIterationsConfig{ScenarioCommon: common, VUs: 1, Iterations: 1, MaxDuration: Duration(DefaultMaxDuration)}
	}
	if o.VUs != nil && *o.VUs < 0 {
		return []Scenario{sc}, optErr("vus", *o.VUs, "the number of VUs can't be negative")
	}
	return []Scenario{sc}, errors.Join(sc.Validate()...)
}

func conflict(a, b string) error {
	return newPlainErr("using multiple execution config shortcuts (`%s` and `%s`) simultaneously is not allowed", a, b)
}

func conflictScenarios(a string) error {
	return newPlainErr("using an execution configuration shortcut (`%s`) and `scenarios` simultaneously is not allowed", a)
}

var trendStatRe = regexp.MustCompile(`^p\((\d+(?:\.\d+)?)\)$`)

// ValidTrendStat reports whether s is a summary trend column: avg, min, med,
// max, count or p(N) with 0 <= N <= 100.
func ValidTrendStat(s string) bool {
	switch s {
	case "avg", "min", "med", "max", "count":
		return true
	}
	m := trendStatRe.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	f, err := strconv.ParseFloat(m[1], 64)
	return err == nil && f >= 0 && f <= 100
}

var tlsVersionNames = map[string]bool{"ssl3.0": true, "tls1.0": true, "tls1.1": true, "tls1.2": true, "tls1.3": true}

// validate checks the options that are not scenarios.
func (c *Config) validate() []error {
	var errs []error
	nonNegDur := func(name string, d *Duration) {
		if d != nil && *d < 0 {
			errs = append(errs, optErr(name, d.String(), "can't be negative"))
		}
	}
	nonNegDur("setupTimeout", c.SetupTimeout)
	nonNegDur("teardownTimeout", c.TeardownTimeout)
	nonNegDur("minIterationDuration", c.MinIterationDuration)
	nonNegInt := func(name string, v *int64) {
		if v != nil && *v < 0 {
			errs = append(errs, optErr(name, *v, "can't be negative"))
		}
	}
	nonNegInt("maxRedirects", c.MaxRedirects)
	nonNegInt("batch", c.Batch)
	nonNegInt("batchPerHost", c.BatchPerHost)
	nonNegInt("rps", c.RPS)

	for i, s := range c.TLSCipherSuites {
		if _, ok := CipherSuite(s); !ok {
			errs = append(errs, optErr(fmt.Sprintf("tlsCipherSuites[%d]", i), s, "expected a TLS cipher suite name such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))
		}
	}
	errs = append(errs, validateTLSAuth(c.TLSAuth)...)
	for i, s := range c.BlacklistIPs {
		if _, ok := ParseIPRange(s); !ok {
			errs = append(errs, optErr(fmt.Sprintf("blacklistIPs[%d]", i), s, "expected an IP range such as 10.0.0.0/8, or an IP address"))
		}
	}
	for i, s := range c.BlockHostnames {
		if _, ok := HostnamePattern(s); !ok {
			errs = append(errs, optErr(fmt.Sprintf("blockHostnames[%d]", i), s, `expected a host name, or "*." and a domain (*.example.com)`))
		}
	}
	for i, s := range c.SummaryTrendStats {
		if !ValidTrendStat(s) {
			errs = append(errs, optErr(fmt.Sprintf("summaryTrendStats[%d]", i), s, "allowed: avg, min, med, max, count, p(N) with 0 <= N <= 100"))
		}
	}
	if u := c.SummaryTimeUnit; u != nil {
		switch *u {
		case "", "s", "ms", "us":
		default:
			errs = append(errs, optErr("summaryTimeUnit", *u, `allowed: "s", "ms", "us"`))
		}
	}
	known := make(map[string]bool, len(AllSystemTags))
	for _, t := range AllSystemTags {
		known[t] = true
	}
	for i, t := range c.SystemTags {
		if !known[t] {
			errs = append(errs, optErr(fmt.Sprintf("systemTags[%d]", i), t, "allowed: %s", strings.Join(AllSystemTags, ", ")))
		}
	}
	for k := range c.Tags {
		if k == "" {
			errs = append(errs, optErr("tags", rawValue(`""`), "a tag name can't be empty"))
		}
	}
	if v := c.TLSVersion; v != nil {
		for _, x := range []struct{ name, val string }{{"tlsVersion.min", v.Min}, {"tlsVersion.max", v.Max}} {
			if x.val != "" && !tlsVersionNames[x.val] {
				errs = append(errs, optErr(x.name, x.val, `allowed: "ssl3.0", "tls1.0", "tls1.1", "tls1.2", "tls1.3"`))
			}
		}
	}
	if d := c.HTTPDebug; d != nil {
		switch *d {
		case "", "headers", "full":
		default:
			errs = append(errs, optErr("httpDebug", *d, `allowed: "headers", "full"`))
		}
	}
	if m := c.SummaryMode; m != nil {
		switch *m {
		case SummaryCompact, SummaryFull, SummaryDisabled:
		default:
			errs = append(errs, optErr("summaryMode", *m, `allowed: "compact", "full", "disabled"`))
		}
	}
	if _, err := c.ExecutionTuple(); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// ExecutionTuple parses executionSegment and executionSegmentSequence into
// this instance's segment tuple (the full run when neither is set).
func (o *Options) ExecutionTuple() (*segment.Tuple, error) {
	problem := func(err error) string {
		var se *segment.Error
		if errors.As(err, &se) {
			return se.Problem
		}
		return err.Error()
	}
	seg, err := segment.Parse(String(o.ExecutionSegment, ""))
	if err != nil {
		return nil, optErr("executionSegment", String(o.ExecutionSegment, ""), "%s; expected a segment like \"1/4:2/4\"", problem(err))
	}
	seq, err := segment.ParseSequence(String(o.ExecutionSegmentSequence, ""))
	if err != nil {
		return nil, optErr("executionSegmentSequence", String(o.ExecutionSegmentSequence, ""), "%s; expected a sequence like \"0,1/4,2/4,3/4,1\"", problem(err))
	}
	t, err := segment.NewTuple(seg, seq)
	if err != nil {
		return nil, optErr("executionSegment", String(o.ExecutionSegment, ""), "%s", problem(err))
	}
	return t, nil
}

func (c *Config) applyDefaults() {
	if c.SetupTimeout == nil {
		d := Duration(DefaultSetupTimeout)
		c.SetupTimeout = &d
	}
	if c.TeardownTimeout == nil {
		d := Duration(DefaultTeardownTimeout)
		c.TeardownTimeout = &d
	}
	if c.SummaryTrendStats == nil {
		c.SummaryTrendStats = append([]string(nil), DefaultSummaryTrendStats...)
	}
	if c.SystemTags == nil {
		c.SystemTags = append([]string(nil), DefaultSystemTags...)
	}
	for _, d := range []struct {
		p *(*int64)
		v int64
	}{{&c.MaxRedirects, DefaultMaxRedirects}, {&c.Batch, DefaultBatch}, {&c.BatchPerHost, DefaultBatchPerHost}} {
		if *d.p == nil {
			v := d.v
			*d.p = &v
		}
	}
	if c.SummaryMode == nil {
		m := SummaryCompact
		c.SummaryMode = &m
	}
	dns := c.DNS.Settings()
	c.DNS = &DNS{TTL: &dns.TTL, Select: &dns.Select, Policy: &dns.Policy}
}

// JSON returns the consolidated options as indented JSON (what
// `stampede inspect` prints), with "<" and ">" as is (thresholds like
// "p(95)<500", redacted secrets) rather than escaped for HTML.
func (c *Consolidated) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c.Options); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
