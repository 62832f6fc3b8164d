package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Executor names, as in k6.
const (
	SharedIterations     = "shared-iterations"
	PerVUIterations      = "per-vu-iterations"
	ConstantVUs          = "constant-vus"
	RampingVUs           = "ramping-vus"
	ConstantArrivalRate  = "constant-arrival-rate"
	RampingArrivalRate   = "ramping-arrival-rate"
	ExternallyControlled = "externally-controlled"
)

// Executors lists the executor names Stampede implements.
var Executors = []string{SharedIterations, PerVUIterations, ConstantVUs, RampingVUs, ConstantArrivalRate, RampingArrivalRate, ExternallyControlled}

// Defaults of scenario options (k6's).
const (
	DefaultGracefulStop     = 30 * time.Second
	DefaultGracefulRampDown = 30 * time.Second
	DefaultMaxDuration      = 10 * time.Minute
	DefaultTimeUnit         = time.Second
	DefaultExec             = "default"
	// MinScenarioDuration is the shortest duration (or maxDuration) an
	// executor accepts.
	MinScenarioDuration = time.Second
)

// Scenario is one decoded, defaulted scenario: one of *SharedIterationsConfig,
// *PerVUIterationsConfig, *ConstantVUsConfig, *RampingVUsConfig,
// *ConstantArrivalRateConfig, *RampingArrivalRateConfig or
// *ExternallyControlledConfig.
type Scenario interface {
	// Common returns the options every executor has.
	Common() *ScenarioCommon
	// Validate returns every problem of the scenario's values.
	Validate() []error
}

// ScenarioCommon are the options of every executor.
type ScenarioCommon struct {
	Name         string            `json:"-"`
	Executor     string            `json:"executor"`
	StartTime    Duration          `json:"startTime"`
	GracefulStop Duration          `json:"gracefulStop"`
	Exec         string            `json:"exec"`
	Env          map[string]string `json:"env,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`

	// shorthand is set on the "default" scenario derived from the vus,
	// duration, iterations and stages options: errors then name those.
	shorthand bool
}

// Common returns c.
func (c *ScenarioCommon) Common() *ScenarioCommon { return c }

// FromShorthands reports whether the scenario was derived from the vus,
// duration, iterations and stages options rather than declared in scenarios.
func (c *ScenarioCommon) FromShorthands() bool { return c.shorthand }

// shorthandNames maps a derived scenario's fields to the options they came from.
var shorthandNames = map[string]string{
	"vus": "vus", "startVUs": "vus", "iterations": "iterations",
	"duration": "duration", "maxDuration": "duration", "stages": "stages",
}

func (c *ScenarioCommon) path(field string) string {
	if c.shorthand {
		if n, ok := shorthandNames[field]; ok {
			return n
		}
	}
	return "scenarios." + c.Name + "." + field
}

func (c *ScenarioCommon) validateCommon() []error {
	var errs []error
	if c.StartTime < 0 {
		errs = append(errs, optErr(c.path("startTime"), c.StartTime.String(), "the startTime can't be negative"))
	}
	if c.GracefulStop < 0 {
		errs = append(errs, optErr(c.path("gracefulStop"), c.GracefulStop.String(), "the gracefulStop timeout can't be negative"))
	}
	if c.Exec == "" {
		errs = append(errs, optErr(c.path("exec"), rawValue(`""`), "exec must name an exported function"))
	}
	return errs
}

// SharedIterationsConfig: VUs share a fixed number of iterations.
type SharedIterationsConfig struct {
	ScenarioCommon
	VUs         int64    `json:"vus"`
	Iterations  int64    `json:"iterations"`
	MaxDuration Duration `json:"maxDuration"`
}

// Validate implements Scenario.
func (s *SharedIterationsConfig) Validate() []error {
	errs := s.validateCommon()
	errs = append(errs, validateVUs(&s.ScenarioCommon, s.VUs)...)
	if s.Iterations < s.VUs && s.VUs > 0 {
		errs = append(errs, optErr(s.path("iterations"), s.Iterations, "the number of iterations (%d) can't be less than the number of VUs (%d)", s.Iterations, s.VUs))
	}
	return append(errs, validateMinDuration(&s.ScenarioCommon, "maxDuration", s.MaxDuration)...)
}

// PerVUIterationsConfig: each VU runs a fixed number of iterations.
type PerVUIterationsConfig struct {
	ScenarioCommon
	VUs         int64    `json:"vus"`
	Iterations  int64    `json:"iterations"`
	MaxDuration Duration `json:"maxDuration"`
}

// Validate implements Scenario.
func (s *PerVUIterationsConfig) Validate() []error {
	errs := s.validateCommon()
	errs = append(errs, validateVUs(&s.ScenarioCommon, s.VUs)...)
	if s.Iterations <= 0 {
		errs = append(errs, optErr(s.path("iterations"), s.Iterations, "the number of iterations must be more than 0"))
	}
	return append(errs, validateMinDuration(&s.ScenarioCommon, "maxDuration", s.MaxDuration)...)
}

// ConstantVUsConfig: a fixed number of VUs loop for a duration.
type ConstantVUsConfig struct {
	ScenarioCommon
	VUs      int64    `json:"vus"`
	Duration Duration `json:"duration"`

	durationSet bool
}

// Validate implements Scenario.
func (s *ConstantVUsConfig) Validate() []error {
	errs := s.validateCommon()
	errs = append(errs, validateVUs(&s.ScenarioCommon, s.VUs)...)
	if !s.durationSet {
		return append(errs, optErr(s.path("duration"), nil, "the duration is unspecified; the %s executor needs one", s.Executor))
	}
	return append(errs, validateMinDuration(&s.ScenarioCommon, "duration", s.Duration)...)
}

// RampingVUsConfig: the number of VUs follows stages.
type RampingVUsConfig struct {
	ScenarioCommon
	StartVUs         int64    `json:"startVUs"`
	Stages           []Stage  `json:"stages"`
	GracefulRampDown Duration `json:"gracefulRampDown"`
}

// Validate implements Scenario.
func (s *RampingVUsConfig) Validate() []error {
	errs := s.validateCommon()
	if s.StartVUs < 0 {
		errs = append(errs, optErr(s.path("startVUs"), s.StartVUs, "the number of start VUs can't be negative"))
	}
	if s.GracefulRampDown < 0 {
		errs = append(errs, optErr(s.path("gracefulRampDown"), s.GracefulRampDown.String(), "the gracefulRampDown timeout can't be negative"))
	}
	errs = append(errs, validateStages(&s.ScenarioCommon, s.Stages)...)
	if s.StartVUs <= 0 && len(s.Stages) > 0 && maxTarget(s.Stages) <= 0 {
		errs = append(errs, optErr(s.path("stages"), nil, "either startVUs or one of the stages' target values must be greater than 0"))
	}
	return errs
}

// ConstantArrivalRateConfig: iterations start at a fixed rate.
type ConstantArrivalRateConfig struct {
	ScenarioCommon
	Rate            int64    `json:"rate"`
	TimeUnit        Duration `json:"timeUnit"`
	Duration        Duration `json:"duration"`
	PreAllocatedVUs int64    `json:"preAllocatedVUs"`
	MaxVUs          int64    `json:"maxVUs"`

	rateSet, durationSet, preAllocatedSet bool
}

// Validate implements Scenario.
func (s *ConstantArrivalRateConfig) Validate() []error {
	errs := s.validateCommon()
	switch {
	case !s.rateSet:
		errs = append(errs, optErr(s.path("rate"), nil, "the iteration rate isn't specified; the %s executor needs one", s.Executor))
	case s.Rate <= 0:
		errs = append(errs, optErr(s.path("rate"), s.Rate, "the iteration rate must be more than 0"))
	}
	if s.TimeUnit <= 0 {
		errs = append(errs, optErr(s.path("timeUnit"), s.TimeUnit.String(), "the timeUnit must be more than 0"))
	}
	if !s.durationSet {
		errs = append(errs, optErr(s.path("duration"), nil, "the duration is unspecified; the %s executor needs one", s.Executor))
	} else {
		errs = append(errs, validateMinDuration(&s.ScenarioCommon, "duration", s.Duration)...)
	}
	return append(errs, validateArrivalVUs(&s.ScenarioCommon, s.preAllocatedSet, s.PreAllocatedVUs, s.MaxVUs)...)
}

// RampingArrivalRateConfig: the iteration rate follows stages.
type RampingArrivalRateConfig struct {
	ScenarioCommon
	StartRate       int64    `json:"startRate"`
	TimeUnit        Duration `json:"timeUnit"`
	Stages          []Stage  `json:"stages"`
	PreAllocatedVUs int64    `json:"preAllocatedVUs"`
	MaxVUs          int64    `json:"maxVUs"`

	preAllocatedSet bool
}

// Validate implements Scenario.
func (s *RampingArrivalRateConfig) Validate() []error {
	errs := s.validateCommon()
	if s.StartRate < 0 {
		errs = append(errs, optErr(s.path("startRate"), s.StartRate, "the startRate can't be negative"))
	}
	if s.TimeUnit <= 0 {
		errs = append(errs, optErr(s.path("timeUnit"), s.TimeUnit.String(), "the timeUnit must be more than 0"))
	}
	errs = append(errs, validateStages(&s.ScenarioCommon, s.Stages)...)
	return append(errs, validateArrivalVUs(&s.ScenarioCommon, s.preAllocatedSet, s.PreAllocatedVUs, s.MaxVUs)...)
}

func validateVUs(c *ScenarioCommon, vus int64) []error {
	if vus <= 0 {
		return []error{optErr(c.path("vus"), vus, "the number of VUs must be more than 0")}
	}
	return nil
}

func validateMinDuration(c *ScenarioCommon, field string, d Duration) []error {
	if d.D() < MinScenarioDuration {
		return []error{optErr(c.path(field), d.String(), "the %s must be at least %s", field, MinScenarioDuration)}
	}
	return nil
}

func validateStages(c *ScenarioCommon, stages []Stage) []error {
	if len(stages) == 0 {
		return []error{optErr(c.path("stages"), nil, "at least one stage is required by the %s executor", c.Executor)}
	}
	var errs []error
	for i, st := range stages {
		p := fmt.Sprintf("%s[%d]", c.path("stages"), i)
		if st.Duration < 0 {
			errs = append(errs, optErr(p+".duration", st.Duration.String(), "the duration of a stage can't be negative"))
		}
		if st.Target < 0 {
			errs = append(errs, optErr(p+".target", st.Target, "the target of a stage can't be negative"))
		}
	}
	return errs
}

func validateArrivalVUs(c *ScenarioCommon, preSet bool, pre, max int64) []error {
	var errs []error
	switch {
	case !preSet:
		errs = append(errs, optErr(c.path("preAllocatedVUs"), nil, "the number of pre-allocated VUs isn't specified; the %s executor needs it", c.Executor))
	case pre < 0:
		errs = append(errs, optErr(c.path("preAllocatedVUs"), pre, "the number of pre-allocated VUs can't be negative"))
	}
	if max < pre {
		errs = append(errs, optErr(c.path("maxVUs"), max, "maxVUs can't be less than preAllocatedVUs (%d)", pre))
	}
	if preSet && pre == 0 && max == 0 {
		errs = append(errs, optErr(c.path("maxVUs"), max, "at least one VU is needed: set preAllocatedVUs or maxVUs above 0"))
	}
	return errs
}

func maxTarget(stages []Stage) int64 {
	var m int64
	for _, s := range stages {
		if s.Target > m {
			m = s.Target
		}
	}
	return m
}

// MaxTarget returns the highest target of stages (0 for none).
func MaxTarget(stages []Stage) int64 { return maxTarget(stages) }

// TotalDuration returns the sum of the stages' durations.
func TotalDuration(stages []Stage) time.Duration {
	var d time.Duration
	for _, s := range stages {
		d += s.Duration.D()
	}
	return d
}

var scenarioNameRe = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)

// ParseScenarios decodes options.scenarios strictly (unknown keys and wrong
// types are errors), applies k6's defaults and validates each scenario. The
// result is sorted by name. Every problem is returned (errors.Join), each
// wrapping ErrInvalidConfig.
func ParseScenarios(raw map[string]json.RawMessage) ([]Scenario, error) {
	var (
		out  []Scenario
		errs []error
	)
	for _, name := range sortedKeys(raw) {
		if !scenarioNameRe.MatchString(name) {
			errs = append(errs, optErr("scenarios", name, "a scenario name may only contain numbers, latin letters, underscores and dashes"))
			continue
		}
		sc, decErrs := decodeScenario(name, raw[name])
		errs = append(errs, decErrs...)
		if sc == nil || len(decErrs) > 0 {
			continue
		}
		errs = append(errs, sc.Validate()...)
		out = append(out, sc)
	}
	return out, errors.Join(errs...)
}

func decodeScenario(name string, raw json.RawMessage) (Scenario, []error) {
	path := "scenarios." + name
	var obj map[string]json.RawMessage
	if kindOf(raw) != '{' || json.Unmarshal(raw, &obj) != nil {
		return nil, []error{optErr(path, rawValue(raw), "expected an object with an executor and its options")}
	}
	var executor *string
	if rawExec, ok := obj["executor"]; ok {
		if err := decString(&executor)(path+".executor", rawExec); err != nil {
			return nil, []error{err}
		}
	}
	if executor == nil {
		return nil, []error{optErr(path+".executor", nil, "the executor is required; allowed: %s", strings.Join(Executors, ", "))}
	}
	common := ScenarioCommon{
		Name: name, Executor: *executor,
		GracefulStop: Duration(DefaultGracefulStop), Exec: DefaultExec,
	}
	var exec *string
	fields := map[string]fieldDecoder{
		"executor":     func(string, json.RawMessage) error { return nil },
		"startTime":    decDurationInto(&common.StartTime, nil),
		"gracefulStop": decDurationInto(&common.GracefulStop, nil),
		"exec":         decString(&exec),
		"env":          decStringMap(&common.Env),
		"tags":         decStringMap(&common.Tags),
	}
	var sc Scenario
	switch *executor {
	case SharedIterations, PerVUIterations:
		vus, iters, maxDur := int64(1), int64(1), Duration(DefaultMaxDuration)
		fields["vus"] = decIntInto(&vus, nil)
		fields["iterations"] = decIntInto(&iters, nil)
		fields["maxDuration"] = decDurationInto(&maxDur, nil)
		errs := decodeStrictObject(path, obj, fields)
		common.Exec = String(exec, DefaultExec)
		if *executor == SharedIterations {
			sc = &SharedIterationsConfig{ScenarioCommon: common, VUs: vus, Iterations: iters, MaxDuration: maxDur}
		} else {
			sc = &PerVUIterationsConfig{ScenarioCommon: common, VUs: vus, Iterations: iters, MaxDuration: maxDur}
		}
		return sc, errs
	case ConstantVUs:
		c := &ConstantVUsConfig{VUs: 1}
		fields["vus"] = decIntInto(&c.VUs, nil)
		fields["duration"] = decDurationInto(&c.Duration, &c.durationSet)
		errs := decodeStrictObject(path, obj, fields)
		common.Exec = String(exec, DefaultExec)
		c.ScenarioCommon = common
		return c, errs
	case RampingVUs:
		c := &RampingVUsConfig{StartVUs: 1, GracefulRampDown: Duration(DefaultGracefulRampDown)}
		fields["startVUs"] = decIntInto(&c.StartVUs, nil)
		fields["stages"] = decStages(&c.Stages)
		fields["gracefulRampDown"] = decDurationInto(&c.GracefulRampDown, nil)
		errs := decodeStrictObject(path, obj, fields)
		common.Exec = String(exec, DefaultExec)
		c.ScenarioCommon = common
		return c, errs
	case ConstantArrivalRate:
		c := &ConstantArrivalRateConfig{TimeUnit: Duration(DefaultTimeUnit)}
		var maxSet bool
		fields["rate"] = decIntInto(&c.Rate, &c.rateSet)
		fields["timeUnit"] = decDurationInto(&c.TimeUnit, nil)
		fields["duration"] = decDurationInto(&c.Duration, &c.durationSet)
		fields["preAllocatedVUs"] = decIntInto(&c.PreAllocatedVUs, &c.preAllocatedSet)
		fields["maxVUs"] = decIntInto(&c.MaxVUs, &maxSet)
		errs := decodeStrictObject(path, obj, fields)
		if !maxSet {
			c.MaxVUs = c.PreAllocatedVUs
		}
		common.Exec = String(exec, DefaultExec)
		c.ScenarioCommon = common
		return c, errs
	case RampingArrivalRate:
		c := &RampingArrivalRateConfig{TimeUnit: Duration(DefaultTimeUnit)}
		var maxSet bool
		fields["startRate"] = decIntInto(&c.StartRate, nil)
		fields["timeUnit"] = decDurationInto(&c.TimeUnit, nil)
		fields["stages"] = decStages(&c.Stages)
		fields["preAllocatedVUs"] = decIntInto(&c.PreAllocatedVUs, &c.preAllocatedSet)
		fields["maxVUs"] = decIntInto(&c.MaxVUs, &maxSet)
		errs := decodeStrictObject(path, obj, fields)
		if !maxSet {
			c.MaxVUs = c.PreAllocatedVUs
		}
		common.Exec = String(exec, DefaultExec)
		c.ScenarioCommon = common
		return c, errs
	case ExternallyControlled:
		c := &ExternallyControlledConfig{VUs: 1}
		var maxSet bool
		_, c.gracefulStopSet = obj["gracefulStop"]
		fields["vus"] = decIntInto(&c.VUs, nil)
		fields["maxVUs"] = decIntInto(&c.MaxVUs, &maxSet)
		fields["duration"] = decDurationInto(&c.Duration, &c.durationSet)
		errs := decodeStrictObject(path, obj, fields)
		if !maxSet {
			c.MaxVUs = c.VUs
		}
		common.Exec = String(exec, DefaultExec)
		common.GracefulStop = 0 // it has none: the duration's end interrupts iterations
		c.ScenarioCommon = common
		return c, errs
	default:
		return nil, []error{optErr(path+".executor", *executor, "unknown executor; allowed: %s", strings.Join(Executors, ", "))}
	}
}

// ExternallyControlledConfig: the number of looping VUs is set while the test
// runs, through the REST API (`stampede scale`), between 0 and MaxVUs; the
// test can be paused and resumed. It has no graceful stop.
type ExternallyControlledConfig struct {
	ScenarioCommon
	VUs    int64 `json:"vus"`
	MaxVUs int64 `json:"maxVUs"`
	// Duration is how long the scenario runs; 0 runs it until the test is
	// stopped.
	Duration Duration `json:"duration"`

	durationSet, gracefulStopSet bool
}

// MarshalJSON leaves gracefulStop out: the executor refuses it, so that
// encoded options (inspect, bundle) decode again, in Stampede and in k6.
func (s *ExternallyControlledConfig) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Executor  string            `json:"executor"`
		StartTime Duration          `json:"startTime"`
		Exec      string            `json:"exec"`
		Env       map[string]string `json:"env,omitempty"`
		Tags      map[string]string `json:"tags,omitempty"`
		VUs       int64             `json:"vus"`
		MaxVUs    int64             `json:"maxVUs"`
		Duration  Duration          `json:"duration"`
	}{s.Executor, s.StartTime, s.Exec, s.Env, s.Tags, s.VUs, s.MaxVUs, s.Duration})
}

// Validate implements Scenario.
func (s *ExternallyControlledConfig) Validate() []error {
	errs := s.validateCommon()
	if s.gracefulStopSet {
		errs = append(errs, optErr(s.path("gracefulStop"), nil, "the %s executor has no graceful stop: remove the option", s.Executor))
	}
	if s.VUs < 0 {
		errs = append(errs, optErr(s.path("vus"), s.VUs, "the number of VUs can't be negative"))
	}
	if s.MaxVUs < s.VUs {
		errs = append(errs, optErr(s.path("maxVUs"), s.MaxVUs, "maxVUs can't be less than vus (%d)", s.VUs))
	}
	switch {
	case !s.durationSet:
		errs = append(errs, optErr(s.path("duration"), nil, "the duration is unspecified; the %s executor needs one (0 runs until the test is stopped)", s.Executor))
	case s.Duration < 0:
		errs = append(errs, optErr(s.path("duration"), s.Duration.String(), "the duration can't be negative"))
	}
	return errs
}

// decIntInto decodes an integer into *dst (keeping the default on null) and
// records in *set that the value was given.
func decIntInto(dst *int64, set *bool) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		var p *int64
		if err := decInt(&p)(path, raw); err != nil {
			return err
		}
		if p != nil {
			*dst = *p
			if set != nil {
				*set = true
			}
		}
		return nil
	}
}

func decDurationInto(dst *Duration, set *bool) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		var p *Duration
		if err := decDuration(&p)(path, raw); err != nil {
			return err
		}
		if p != nil {
			*dst = *p
			if set != nil {
				*set = true
			}
		}
		return nil
	}
}

// EncodeScenarios encodes scenarios as options.scenarios (name -> JSON).
func EncodeScenarios(scs []Scenario) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(scs))
	for _, sc := range scs {
		b, err := json.Marshal(sc)
		if err != nil { // cannot happen: only plain fields
			panic(fmt.Sprintf("config: encoding scenario %q: %v", sc.Common().Name, err))
		}
		out[sc.Common().Name] = b
	}
	return out
}
