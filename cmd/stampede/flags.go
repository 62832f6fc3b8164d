package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/stampede-load/stampede/config"
)

// optionFlags are k6's option flags, shared by `run` and `inspect`. Only
// flags given on the command line make the CLI layer (a flag left at its
// default does not override the script, as in k6).
type optionFlags struct {
	vus, iterations                   int64
	duration                          string
	stages                            []string
	executionSegment, segmentSequence string

	noSetup, noTeardown, noThresholds, noSummary bool
	paused                                       bool
	summaryTrendStats, summaryTimeUnit           string
	summaryMode, summaryExport                   string
	out                                          []string
	tags                                         []string
	systemTags                                   string

	userAgent                                   string
	insecureSkipTLSVerify, throw, discardBodies bool
	noConnectionReuse, noVUConnectionReuse      bool
	httpDebug                                   string
	maxRedirects, batch, batchPerHost, rps      int64
	minIterationDuration                        string
	setupTimeout, teardownTimeout               string

	blacklistIPs, blockHostnames []string
	localIPs                     []string
	dns                          string

	env                  []string
	includeSystemEnvVars bool
	configFile           string
}

func (f *optionFlags) register(fs *pflag.FlagSet, includeSystemEnvDefault bool) {
	fs.Int64VarP(&f.vus, "vus", "u", 1, "number of virtual users")
	fs.StringVarP(&f.duration, "duration", "d", "", "test duration limit (e.g. 30s, 1m30s)")
	fs.Int64VarP(&f.iterations, "iterations", "i", 0, "script total iteration limit (among all VUs)")
	fs.StringArrayVarP(&f.stages, "stage", "s", nil, "add a stage, as `duration:target` (e.g. 1m:10); repeat or separate with commas")
	fs.StringVar(&f.executionSegment, "execution-segment", "", "the part of the run this instance executes, e.g. 1/4:2/4")
	fs.StringVar(&f.segmentSequence, "execution-segment-sequence", "", "the segments of all instances, e.g. 0,1/4,2/4,3/4,1")

	fs.BoolVarP(&f.paused, "paused", "P", false, "start the test paused, after init: resume it through the REST API (stampede resume; needs --address)")
	fs.BoolVar(&f.noSetup, "no-setup", false, "don't run setup()")
	fs.BoolVar(&f.noTeardown, "no-teardown", false, "don't run teardown()")
	fs.BoolVar(&f.noThresholds, "no-thresholds", false, "don't run thresholds")
	fs.BoolVar(&f.noSummary, "no-summary", false, "don't show the summary at the end of the test (nor call handleSummary)")
	fs.StringVar(&f.summaryTrendStats, "summary-trend-stats", "", "trend stats in the summary, e.g. avg,min,med,max,p(90),p(95),p(99.9)")
	fs.StringVar(&f.summaryTimeUnit, "summary-time-unit", "", `time unit of the summary's time values: "s", "ms" or "us"`)
	fs.StringVar(&f.summaryMode, "summary-mode", "", `summary layout: "compact" (default), "full" or "disabled"`)
	fs.StringVar(&f.summaryExport, "summary-export", "", "write the end-of-test summary as JSON to this file")
	fs.StringArrayVarP(&f.out, "out", "o", nil, "`uri` for an external metrics output, e.g. json=results.json, csv=results.csv")
	fs.StringArrayVar(&f.tags, "tag", nil, "add a `tag` to every sample, as name=value")
	fs.StringVar(&f.systemTags, "system-tags", "", "comma-separated list of the system tags to record")

	fs.StringVar(&f.userAgent, "user-agent", "", "user agent of HTTP requests")
	fs.BoolVar(&f.insecureSkipTLSVerify, "insecure-skip-tls-verify", false, "skip verification of TLS certificates")
	fs.BoolVarP(&f.throw, "throw", "w", false, "throw errors on failed HTTP requests")
	fs.BoolVar(&f.discardBodies, "discard-response-bodies", false, "read but don't keep response bodies")
	fs.BoolVar(&f.noConnectionReuse, "no-connection-reuse", false, "disable keep-alive connections")
	fs.BoolVar(&f.noVUConnectionReuse, "no-vu-connection-reuse", false, "don't reuse connections between iterations of a VU")
	fs.StringVar(&f.httpDebug, "http-debug", "", `log HTTP requests and responses: "headers" (the default when given without value) or "full" (with bodies); credentials are redacted`)
	fs.Lookup("http-debug").NoOptDefVal = "headers"
	fs.StringSliceVar(&f.blacklistIPs, "blacklist-ip", nil, "refuse to connect to an IP `range` (CIDR, e.g. 10.0.0.0/8, or an address); repeat or separate with commas")
	fs.StringSliceVar(&f.blockHostnames, "block-hostnames", nil, "refuse requests to a host `name` (*.example.com blocks its subdomains); repeat or separate with commas")
	fs.StringSliceVar(&f.localIPs, "local-ips", nil, "connect from these local `addresses`, one per VU in turn: IPs, ranges (10.0.0.10-10.0.0.20) and CIDRs (10.0.0.0/24); repeat or separate with commas")
	fs.StringVar(&f.dns, "dns", "", "DNS resolution: ttl=5m|0|inf|<ms>,select=random|first|roundRobin,policy=preferIPv4|preferIPv6|onlyIPv4|onlyIPv6|any (default ttl=5m,select=random,policy=preferIPv4)")
	fs.Int64Var(&f.rps, "rps", 0, "at most this many requests per second, all VUs together (0: no limit)")
	fs.Int64Var(&f.maxRedirects, "max-redirects", config.DefaultMaxRedirects, "follow at most this many redirects")
	fs.Int64Var(&f.batch, "batch", config.DefaultBatch, "max parallel requests of http.batch()")
	fs.Int64Var(&f.batchPerHost, "batch-per-host", config.DefaultBatchPerHost, "max parallel requests per host of http.batch()")
	fs.StringVar(&f.minIterationDuration, "min-iteration-duration", "", "minimum time an iteration takes")
	fs.StringVar(&f.setupTimeout, "setup-timeout", "", "how long setup() may run (default 60s)")
	fs.StringVar(&f.teardownTimeout, "teardown-timeout", "", "how long teardown() may run (default 60s)")

	fs.StringVarP(&f.configFile, "config", "c", "", "a JSON `file` of k6 options, layered under the script's options (default: $K6_CONFIG, else $XDG_CONFIG_HOME/k6/config.json or ~/.config/k6/config.json when it exists)")
	fs.StringArrayVarP(&f.env, "env", "e", nil, "add an `environment variable` to the script's __ENV, as NAME=value")
	fs.BoolVar(&f.includeSystemEnvVars, "include-system-env-vars", includeSystemEnvDefault, "pass the system environment variables to the script's __ENV")
}

// layer builds the CLI configuration layer from the flags that were set.
// Every malformed value is reported, naming the flag.
func (f *optionFlags) layer(fs *pflag.FlagSet) (config.Config, error) {
	var (
		c    config.Config
		errs []error
	)
	set := func(name string) bool { return fs.Changed(name) }
	bad := func(flag, value, allowed string) {
		errs = append(errs, &config.OptionError{Option: "--" + flag, Value: fmt.Sprintf("%q", value), Allowed: allowed})
	}
	dur := func(flag, value string) *config.Duration {
		d, err := config.ParseDuration(value)
		if err != nil {
			bad(flag, value, `expected a duration like "30s", "1m30s" or "1d2h"`)
			return nil
		}
		cd := config.Duration(d)
		return &cd
	}
	i64 := func(v int64) *int64 { return &v }
	b := func(v bool) *bool { return &v }
	str := func(v string) *string { return &v }

	if set("vus") {
		c.VUs = i64(f.vus)
	}
	if set("duration") {
		c.Duration = dur("duration", f.duration)
	}
	if set("iterations") {
		c.Iterations = i64(f.iterations)
	}
	if set("stage") {
		c.Stages = []config.Stage{}
		for _, v := range f.stages {
			st, err := config.ParseStages("--stage", v)
			if err != nil {
				errs = append(errs, err)
			}
			c.Stages = append(c.Stages, st...)
		}
	}
	if set("execution-segment") {
		c.ExecutionSegment = str(f.executionSegment)
	}
	if set("execution-segment-sequence") {
		c.ExecutionSegmentSequence = str(f.segmentSequence)
	}
	if set("paused") {
		c.Paused = b(f.paused)
	}
	if set("no-setup") {
		c.NoSetup = b(f.noSetup)
	}
	if set("no-teardown") {
		c.NoTeardown = b(f.noTeardown)
	}
	if set("no-thresholds") {
		c.NoThresholds = b(f.noThresholds)
	}
	if set("no-summary") {
		c.NoSummary = b(f.noSummary)
	}
	if set("summary-trend-stats") {
		c.SummaryTrendStats = config.SplitList(f.summaryTrendStats)
		if c.SummaryTrendStats == nil {
			c.SummaryTrendStats = []string{}
		}
	}
	if set("summary-time-unit") {
		c.SummaryTimeUnit = str(f.summaryTimeUnit)
	}
	if set("summary-mode") {
		c.SummaryMode = str(f.summaryMode)
	}
	if set("summary-export") {
		c.SummaryExport = str(f.summaryExport)
	}
	if set("out") {
		c.Out = append([]string{}, f.out...)
	}
	if set("tag") {
		c.Tags = make(map[string]string, len(f.tags))
		for _, t := range f.tags {
			k, v, err := config.ParseKeyValue("--tag", t)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			c.Tags[k] = v
		}
	}
	if set("system-tags") {
		c.SystemTags = config.SplitList(f.systemTags)
		if c.SystemTags == nil {
			c.SystemTags = []string{}
		}
	}
	if set("user-agent") {
		c.UserAgent = str(f.userAgent)
	}
	if set("insecure-skip-tls-verify") {
		c.InsecureSkipTLSVerify = b(f.insecureSkipTLSVerify)
	}
	if set("throw") {
		c.Throw = b(f.throw)
	}
	if set("discard-response-bodies") {
		c.DiscardResponseBodies = b(f.discardBodies)
	}
	if set("no-connection-reuse") {
		c.NoConnectionReuse = b(f.noConnectionReuse)
	}
	if set("dns") {
		d, err := config.ParseDNS("--dns", f.dns)
		if err != nil {
			errs = append(errs, err)
		}
		c.DNS = d
	}
	if set("no-vu-connection-reuse") {
		c.NoVUConnectionReuse = b(f.noVUConnectionReuse)
	}
	if set("rps") {
		c.RPS = i64(f.rps)
	}
	if set("blacklist-ip") {
		c.BlacklistIPs = f.blacklistIPs
	}
	if set("block-hostnames") {
		c.BlockHostnames = f.blockHostnames
	}
	if set("local-ips") {
		p, err := config.ParseIPPool("--local-ips", strings.Join(f.localIPs, ","))
		if err != nil {
			errs = append(errs, err)
		}
		c.LocalIPs = p
	}
	if set("http-debug") {
		c.HTTPDebug = str(f.httpDebug)
	}
	if set("max-redirects") {
		c.MaxRedirects = i64(f.maxRedirects)
	}
	if set("batch") {
		c.Batch = i64(f.batch)
	}
	if set("batch-per-host") {
		c.BatchPerHost = i64(f.batchPerHost)
	}
	if set("min-iteration-duration") {
		c.MinIterationDuration = dur("min-iteration-duration", f.minIterationDuration)
	}
	if set("setup-timeout") {
		c.SetupTimeout = dur("setup-timeout", f.setupTimeout)
	}
	if set("teardown-timeout") {
		c.TeardownTimeout = dur("teardown-timeout", f.teardownTimeout)
	}
	return c, errors.Join(errs...)
}

// scriptEnv builds the script's __ENV: the system environment (with
// --include-system-env-vars, the default of `run`) overridden by -e values.
func (f *optionFlags) scriptEnv(gs *globalState, fs *pflag.FlagSet) (map[string]string, error) {
	include := f.includeSystemEnvVars
	if !fs.Changed("include-system-env-vars") {
		if v, ok := gs.env["K6_INCLUDE_SYSTEM_ENV_VARS"]; ok && v != "" {
			include = envBool(gs, "K6_INCLUDE_SYSTEM_ENV_VARS")
		}
	}
	env := make(map[string]string)
	if include {
		for k, v := range gs.env {
			env[k] = v
		}
	}
	var errs []error
	for _, kv := range f.env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			errs = append(errs, &config.OptionError{Option: "--env", Value: fmt.Sprintf("%q", kv), Allowed: "expected NAME=value"})
			continue
		}
		env[k] = v
	}
	return env, errors.Join(errs...)
}

// loadFileLayer is fileLayer with its warnings logged.
func (f *optionFlags) loadFileLayer(gs *globalState, fs *pflag.FlagSet) (config.Config, error) {
	c, warns, err := f.fileLayer(gs, fs)
	for _, w := range warns {
		gs.logger.Warn(w)
	}
	return c, err
}

// fileLayer reads k6's configuration file, the lowest layer: --config, else
// K6_CONFIG, else the default path (XDG_CONFIG_HOME/k6/config.json, or
// HOME/.config/k6/config.json) when that file exists. A file named by the
// flag or the variable must exist. Relative paths are from the working
// directory.
func (f *optionFlags) fileLayer(gs *globalState, fs *pflag.FlagSet) (config.Config, []string, error) {
	path, named := f.configFile, true
	if !fs.Changed("config") {
		if path = gs.env["K6_CONFIG"]; path == "" {
			path, named = defaultConfigPath(gs.env), false
		}
	}
	if path == "" {
		return config.Config{}, nil, nil
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(gs.cwd, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !named && errors.Is(err, os.ErrNotExist) {
			return config.Config{}, nil, nil
		}
		return config.Config{}, nil, fmt.Errorf("config file (--config, K6_CONFIG): %w: %w", err, config.ErrInvalidConfig)
	}
	return config.DecodeConfigFile(data, path)
}

// defaultConfigPath is where k6 looks for its configuration file when none
// is named ("" without XDG_CONFIG_HOME and HOME).
func defaultConfigPath(env map[string]string) string {
	dir := env["XDG_CONFIG_HOME"]
	if dir == "" && env["HOME"] != "" {
		dir = filepath.Join(env["HOME"], ".config")
	}
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "k6", "config.json")
}
