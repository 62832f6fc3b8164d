package config

import (
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
)

// envOption parses one K6_* variable into a Config.
type envOption struct {
	name string
	set  func(c *Config, name, v string) error
}

// envOptions are the K6_* variables of k6's options, with k6's names.
var envOptions = []envOption{
	{"K6_VUS", envInt(func(c *Config) **int64 { return &c.VUs })},
	{"K6_DURATION", envDuration(func(c *Config) **Duration { return &c.Duration })},
	{"K6_ITERATIONS", envInt(func(c *Config) **int64 { return &c.Iterations })},
	{"K6_STAGES", func(c *Config, name, v string) error {
		st, err := ParseStages(name, v)
		c.Stages = st
		return err
	}},
	{"K6_EXECUTION_SEGMENT", envString(func(c *Config) **string { return &c.ExecutionSegment })},
	{"K6_EXECUTION_SEGMENT_SEQUENCE", envString(func(c *Config) **string { return &c.ExecutionSegmentSequence })},
	{"K6_SETUP_TIMEOUT", envDuration(func(c *Config) **Duration { return &c.SetupTimeout })},
	{"K6_TEARDOWN_TIMEOUT", envDuration(func(c *Config) **Duration { return &c.TeardownTimeout })},
	{"K6_NO_SETUP", envBool(func(c *Config) **bool { return &c.NoSetup })},
	{"K6_PAUSED", envBool(func(c *Config) **bool { return &c.Paused })},
	{"K6_NO_TEARDOWN", envBool(func(c *Config) **bool { return &c.NoTeardown })},
	{"K6_MIN_ITERATION_DURATION", envDuration(func(c *Config) **Duration { return &c.MinIterationDuration })},
	{"K6_THRESHOLDS", func(c *Config, name, v string) error {
		return decThresholds(&c.Thresholds)(name, json.RawMessage(v))
	}},
	{"K6_NO_THRESHOLDS", envBool(func(c *Config) **bool { return &c.NoThresholds })},
	{"K6_TAGS", envMap(func(c *Config) *map[string]string { return &c.Tags })},
	{"K6_SYSTEM_TAGS", envList(func(c *Config) *[]string { return &c.SystemTags })},
	{"K6_SUMMARY_TREND_STATS", envList(func(c *Config) *[]string { return &c.SummaryTrendStats })},
	{"K6_SUMMARY_TIME_UNIT", envString(func(c *Config) **string { return &c.SummaryTimeUnit })},
	{"K6_NO_SUMMARY", envBool(func(c *Config) **bool { return &c.NoSummary })},
	{"K6_SUMMARY_EXPORT", envString(func(c *Config) **string { return &c.SummaryExport })},
	{"K6_SUMMARY_MODE", envString(func(c *Config) **string { return &c.SummaryMode })},
	{"K6_OUT", envList(func(c *Config) *[]string { return &c.Out })},
	{"K6_USER_AGENT", envString(func(c *Config) **string { return &c.UserAgent })},
	{"K6_DISCARD_RESPONSE_BODIES", envBool(func(c *Config) **bool { return &c.DiscardResponseBodies })},
	{"K6_INSECURE_SKIP_TLS_VERIFY", envBool(func(c *Config) **bool { return &c.InsecureSkipTLSVerify })},
	{"K6_TLS_VERSION", func(c *Config, name, v string) error {
		raw := json.RawMessage(v)
		if !strings.HasPrefix(strings.TrimSpace(v), "{") {
			raw, _ = json.Marshal(v)
		}
		return decTLSVersions(&c.TLSVersion)(name, raw)
	}},
	{"K6_HOSTS", envMap(func(c *Config) *map[string]string { return &c.Hosts })},
	{"K6_DNS", func(c *Config, name, v string) error {
		d, err := ParseDNS(name, v)
		c.DNS = d
		return err
	}},
	{"K6_RPS", envInt(func(c *Config) **int64 { return &c.RPS })},
	{"K6_TLS_CIPHER_SUITES", envList(func(c *Config) *[]string { return &c.TLSCipherSuites })},
	{"K6_BLACKLIST_IPS", envList(func(c *Config) *[]string { return &c.BlacklistIPs })},
	{"K6_BLOCK_HOSTNAMES", envList(func(c *Config) *[]string { return &c.BlockHostnames })},
	{"K6_LOCAL_IPS", func(c *Config, name, v string) error {
		p, err := ParseIPPool(name, v)
		c.LocalIPs = p
		return err
	}},
	{"K6_NO_CONNECTION_REUSE", envBool(func(c *Config) **bool { return &c.NoConnectionReuse })},
	{"K6_NO_VU_CONNECTION_REUSE", envBool(func(c *Config) **bool { return &c.NoVUConnectionReuse })},
	{"K6_NO_COOKIES_RESET", envBool(func(c *Config) **bool { return &c.NoCookiesReset })},
	{"K6_MAX_REDIRECTS", envInt(func(c *Config) **int64 { return &c.MaxRedirects })},
	{"K6_BATCH", envInt(func(c *Config) **int64 { return &c.Batch })},
	{"K6_BATCH_PER_HOST", envInt(func(c *Config) **int64 { return &c.BatchPerHost })},
	{"K6_THROW", envBool(func(c *Config) **bool { return &c.Throw })},
	{"K6_HTTP_DEBUG", envString(func(c *Config) **string { return &c.HTTPDebug })},
}

// EnvVars returns the K6_* variable names FromEnv reads, sorted.
func EnvVars() []string {
	names := make([]string, len(envOptions))
	for i, o := range envOptions {
		names[i] = o.name
	}
	sort.Strings(names)
	return names
}

// FromEnv builds the environment layer from the K6_* variables of env (the
// process environment, not `-e` values). Other variables are ignored; an
// empty value counts as unset. Every malformed value is reported.
func FromEnv(env map[string]string) (Config, error) {
	var (
		c    Config
		errs []error
	)
	for _, o := range envOptions {
		v, ok := env[o.name]
		if !ok || v == "" {
			continue
		}
		if err := o.set(&c, o.name, v); err != nil {
			errs = append(errs, err)
		}
	}
	return c, errors.Join(errs...)
}

func envInt(field func(*Config) **int64) func(*Config, string, string) error {
	return func(c *Config, name, v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return optErr(name, v, wantInteger)
		}
		*field(c) = &n
		return nil
	}
}

func envBool(field func(*Config) **bool) func(*Config, string, string) error {
	return func(c *Config, name, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return optErr(name, v, "expected true or false (also 1/0, t/f)")
		}
		*field(c) = &b
		return nil
	}
}

func envString(field func(*Config) **string) func(*Config, string, string) error {
	return func(c *Config, _, v string) error {
		*field(c) = &v
		return nil
	}
}

func envDuration(field func(*Config) **Duration) func(*Config, string, string) error {
	return func(c *Config, name, v string) error {
		d, err := ParseDuration(v)
		if err != nil {
			return optErr(name, v, `expected a duration like "30s", "1m30s" or "1d2h"`)
		}
		dd := Duration(d)
		*field(c) = &dd
		return nil
	}
}

// SplitList splits a comma-separated list, trimming spaces and dropping
// empty items.
func SplitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func envList(field func(*Config) *[]string) func(*Config, string, string) error {
	return func(c *Config, _, v string) error {
		l := SplitList(v)
		if l == nil {
			l = []string{}
		}
		*field(c) = l
		return nil
	}
}

func envMap(field func(*Config) *map[string]string) func(*Config, string, string) error {
	return func(c *Config, name, v string) error {
		m := make(map[string]string)
		var errs []error
		for _, item := range SplitList(v) {
			k, val, err := ParseKeyValue(name, item)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			m[k] = val
		}
		*field(c) = m
		return errors.Join(errs...)
	}
}

// ParseKeyValue splits "key=value" (k6 also accepts "key:value" in K6_*
// maps). An empty key is an error naming option.
func ParseKeyValue(option, item string) (string, string, error) {
	i := strings.IndexByte(item, '=')
	if i < 0 {
		i = strings.IndexByte(item, ':')
	}
	if i <= 0 {
		return "", "", optErr(option, item, "expected key=value")
	}
	return strings.TrimSpace(item[:i]), item[i+1:], nil
}

// ParseStages parses k6's text form of stages, "duration:target" items
// separated by commas ("30s:10,1m:10,10s:0"), as K6_STAGES and -s/--stage
// take them. option names the source in errors.
func ParseStages(option, v string) ([]Stage, error) {
	stages := []Stage{}
	var errs []error
	for _, item := range SplitList(v) {
		st, err := ParseStage(option, item)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		stages = append(stages, st)
	}
	return stages, errors.Join(errs...)
}

// ParseStage parses one "duration:target" stage ("30s:10").
func ParseStage(option, item string) (Stage, error) {
	const want = `expected a stage like "30s:10" (duration:target)`
	d, t, ok := strings.Cut(item, ":")
	if !ok {
		return Stage{}, optErr(option, item, want)
	}
	dur, err := ParseDuration(d)
	if err != nil {
		return Stage{}, optErr(option, item, want)
	}
	target, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil {
		return Stage{}, optErr(option, item, want)
	}
	return Stage{Duration: Duration(dur), Target: target}, nil
}
