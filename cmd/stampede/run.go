package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/stampede-load/stampede/api"
	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/gctune"
	"github.com/stampede-load/stampede/js"
	"github.com/stampede-load/stampede/metrics"
	"github.com/stampede-load/stampede/output"
	"github.com/stampede-load/stampede/secretsource"
	"github.com/stampede-load/stampede/summary"
	"github.com/stampede-load/stampede/target"
)

// The metrics engine evaluates thresholds for the engine.
var _ engine.ThresholdEvaluator = (*metrics.Engine)(nil)

type runCmd struct {
	gs             *globalState
	gf             *globalFlags
	flags          optionFlags
	embeddedTarget bool
	address        string
	linger         bool
	secretSources  []string
}

func newRunCmd(gs *globalState, gf *globalFlags) *cobra.Command {
	c := &runCmd{gs: gs, gf: gf}
	cmd := &cobra.Command{
		Use:   "run [flags] script",
		Short: "Run a load test",
		Long: "Run a load test: the script's options are layered under K6_* environment variables\n" +
			"and these flags, as in k6. Exit codes are k6's (99 thresholds crossed, 104 invalid\n" +
			"configuration, 105 stopped by a signal, 107 script exception, 108 test.abort(), ...).",
		Example: "  stampede run script.js\n  stampede run -u 10 -d 30s script.js\n  BASE_URL=http://127.0.0.1:8080 stampede run -o json=results.json script.js",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.run(cmd, args[0])
		},
	}
	c.flags.register(cmd.Flags(), true)
	cmd.Flags().BoolVar(&c.embeddedTarget, "embedded-target", false,
		"start the reference staging API in-process and set BASE_URL and STRIPE_WEBHOOK_SECRET for the script")
	cmd.Flags().StringVarP(&c.address, "address", "a", envOr(gs, "K6_ADDRESS", ""),
		"serve k6's REST API on this `host:port` (e.g. localhost:6565) to watch and control the run: stampede status, pause, resume, scale, stats (default: off, as in k6 v2; $K6_ADDRESS)")
	cmd.Flags().BoolVarP(&c.linger, "linger", "l", envBool(gs, "K6_LINGER"),
		"after the test and its summary, keep running (and the REST API serving) until Ctrl+C; the exit code is the test's")
	cmd.Flags().StringArrayVar(&c.secretSources, "secret-source", nil,
		"a source of secrets for k6/secrets, as in k6 (`TYPE=CONFIG`): file=PATH, file=name=NAME,filename=PATH, mock=KEY=VALUE,... "+
			"(add name=NAME to name it, default to make it what secrets.get() reads); repeatable. "+
			"Values the script retrieves are shown as ***SECRET_REDACTED*** in the logs")
	// k6 command lines in CI often carry --no-usage-report; Stampede never
	// reports usage, so the flag is accepted and changes nothing.
	cmd.Flags().Bool("no-usage-report", false, "accepted for k6 command lines: Stampede never sends usage reports")
	return cmd
}

// run is `stampede run`: configuration, script, metrics and outputs, the
// engine, progress, signals, summary. Each part is wired by one function
// below.
func (c *runCmd) run(cmd *cobra.Command, script string) error {
	gs := c.gs
	ctx, cancelLoad := context.WithCancelCause(cmd.Context())
	defer cancelLoad(nil)
	sig := newSignalHandler(gs, cancelLoad)
	defer sig.stop()
	// GC headroom of about 256 MiB instead of GOGC=100: fewer collections
	// per request for small tests, Go's default for big ones (gctune,
	// BENCHMARKS.md).
	stopGC := gctune.Start(ctx, gctune.Config{})
	defer stopGC()

	cli, cliErr := c.flags.layer(cmd.Flags())
	envLayer, envErr := config.FromEnv(gs.env)
	scriptEnv, scriptEnvErr := c.flags.scriptEnv(gs, cmd.Flags())
	file, fileErr := c.flags.loadFileLayer(gs, cmd.Flags())
	secrets, secretsErr := c.secretManager()
	if err := errors.Join(cliErr, envErr, scriptEnvErr, fileErr, secretsErr); err != nil {
		return err
	}
	if c.embeddedTarget {
		stop, err := startEmbeddedTarget(ctx, gs, scriptEnv, c.flags.env)
		if err != nil {
			return err
		}
		defer stop()
	}

	reg := metrics.NewRegistry()
	builtin := metrics.RegisterBuiltins(reg)
	runner, err := js.New(ctx, js.LoadConfig{
		Path: script, CWD: gs.cwd, Env: scriptEnv, Logger: gs.logger,
		Registry: reg, BuiltinMetrics: builtin, Secrets: secrets,
	})
	if err != nil {
		return interruptedOr(ctx, err)
	}
	cons, err := consolidate(gs, file, runner.Options(), envLayer, cli)
	if err != nil {
		return err
	}

	tr := &testRun{gs: gs, gf: c.gf, script: script, cfg: cons, runner: runner}
	if err := tr.setUpMetrics(reg); err != nil {
		return err
	}
	if err := tr.outputs.Start(); err != nil {
		return fmt.Errorf("starting outputs: %w", err)
	}
	defer tr.stopOutputs()

	if err := c.checkControl(cons); err != nil {
		return err
	}
	eng, err := engine.New(engine.Params{
		Paused: config.Bool(cons.Paused, false),
		Runner: runner, Options: cons.Options, Scenarios: cons.Scenarios,
		Ingester: tr.ingester, Builtin: builtin, Thresholds: tr.thresholds(), Logger: gs.logger,
		// While the VUs initialise the heap only grows: collecting then
		// costs ~15-20% of the init time and frees little (BENCHMARKS.md).
		InitHook: gctune.Suspend,
	})
	if err != nil {
		return err
	}
	tr.engine = eng
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
		return err // a signal came while the script loaded
	}
	sig.setEngine(eng)
	stopAPI, err := c.startAPI(tr)
	if err != nil {
		return err
	}
	defer stopAPI()

	if !c.gf.quiet {
		printBanner(gs, tr)
	}
	prog := newProgress(gs, eng, c.gf.quiet)
	prog.start()
	runErr := eng.Run(context.WithoutCancel(ctx))
	prog.stop()

	duration := eng.CurrentTestRunDuration()
	if err := tr.summarize(context.WithoutCancel(ctx), duration); err != nil {
		gs.logger.Errorf("summary: %v", err)
	}
	if err := tr.stopOutputs(); err != nil {
		gs.logger.Errorf("outputs: %v", err)
	}
	if c.linger {
		sig.linger()
	}
	return runErr
}

// secretManager builds the --secret-source sources, once for the process
// and all its VUs, and makes the logger redact every value they hand out
// (k6/secrets). With no source given, its get() rejects with a hint.
func (c *runCmd) secretManager() (*secretsource.Manager, error) {
	m, err := secretsource.Build(c.secretSources, c.gs.cwd, nil)
	if err != nil {
		return nil, err
	}
	if m.Len() > 0 {
		c.gs.logger.AddHook(m.Redactor().Hook())
	}
	return m, nil
}

// checkControl refuses a paused start that nothing could resume, and warns
// of externally-controlled scenarios nothing can scale.
func (c *runCmd) checkControl(cons *config.Consolidated) error {
	if c.address != "" {
		return nil
	}
	if config.Bool(cons.Paused, false) {
		return &config.OptionError{Option: "paused", Value: "true",
			Allowed: "a paused test is resumed through the REST API, which is off: give --address too (e.g. --address localhost:6565), or drop --paused/K6_PAUSED/options.paused"}
	}
	for _, sc := range cons.Scenarios {
		if sc.Common().Executor == config.ExternallyControlled {
			c.gs.logger.Warnf("scenario %q is externally controlled but the REST API is off: its VUs can't be scaled nor paused (start with --address, e.g. --address localhost:6565)", sc.Common().Name)
		}
	}
	return nil
}

// startAPI serves the REST API on --address, if given, before the VUs are
// initialised (status answers during init); the returned function shuts it
// down.
func (c *runCmd) startAPI(tr *testRun) (func(), error) {
	if c.address == "" {
		return func() {}, nil
	}
	srv := api.New(api.Config{Controller: tr.engine, Metrics: tr.metrics, Logger: c.gs.logger})
	if err := srv.Start(c.address); err != nil {
		return nil, &config.OptionError{Option: "--address", Value: fmt.Sprintf("%q", c.address),
			Allowed: err.Error()}
	}
	c.gs.logger.Infof("REST API listening on http://%s", srv.Addr())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// interruptedOr returns the signal's error when loading was cut short by
// one, err otherwise.
func interruptedOr(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && errors.Is(cause, engine.ErrExternalAbort) {
		return cause
	}
	return err
}

// loadScript loads the script with package js: compiled once, init context
// run once to read its options.
func loadScript(ctx context.Context, gs *globalState, script string, env map[string]string, reg *metrics.Registry, builtin *metrics.BuiltinMetrics) (*js.Runner, error) {
	return js.New(ctx, js.LoadConfig{
		Path: script, CWD: gs.cwd, Env: env, Logger: gs.logger,
		Registry: reg, BuiltinMetrics: builtin,
	})
}

// consolidate layers config file < script < env < CLI and logs k6's
// warnings.
func consolidate(gs *globalState, file config.Config, script config.Options, env, cli config.Config) (*config.Consolidated, error) {
	cons, err := config.ConsolidateFile(file, script, env, cli)
	for _, w := range cons.Warnings {
		gs.logger.Warn(w)
	}
	return cons, err
}

// testRun holds the parts of one run the command wires together.
type testRun struct {
	gs     *globalState
	gf     *globalFlags
	script string
	cfg    *config.Consolidated
	runner *js.Runner
	engine *engine.Engine

	metrics  *metrics.Engine
	outputs  *output.Manager
	ingester metrics.Ingester
	stopped  bool
}

// setUpMetrics builds the metrics engine (aggregation and thresholds) and
// the outputs, and the Ingester that feeds both.
func (t *testRun) setUpMetrics(reg *metrics.Registry) error {
	cfg := t.cfg
	me, err := metrics.NewEngine(reg, metrics.EngineOptions{
		Thresholds:   cfg.Thresholds,
		NoThresholds: config.Bool(cfg.NoThresholds, false),
		Breakdown:    config.String(cfg.SummaryMode, "") == config.SummaryFull,
		Elapsed: func() time.Duration {
			if t.engine == nil {
				return 0
			}
			return t.engine.CurrentTestRunDuration()
		},
	})
	if err != nil {
		return err
	}
	t.metrics = me
	outs, err := output.New(cfg.Out, output.Params{Env: t.gs.env, Stdout: t.gs.stdout, Logger: t.gs.logger})
	if err != nil {
		return err
	}
	t.outputs = output.NewManager(outs, output.ManagerOptions{Thresholds: me.Thresholds(), Logger: t.gs.logger})
	t.ingester = me
	if len(outs) > 0 {
		t.ingester = metrics.Tee(me, t.outputs)
	}
	return nil
}

// thresholds returns the evaluator for the engine (nil with --no-thresholds
// or without thresholds).
func (t *testRun) thresholds() engine.ThresholdEvaluator {
	if config.Bool(t.cfg.NoThresholds, false) || len(t.metrics.Thresholds()) == 0 {
		return nil
	}
	return t.metrics
}

func (t *testRun) stopOutputs() error {
	if t.stopped || t.outputs == nil {
		return nil
	}
	t.stopped = true
	return t.outputs.Stop()
}

// summarize writes the end-of-test summary: --summary-export, then
// handleSummary's outputs, or the text summary on stdout (also when
// handleSummary fails, as k6 does). --no-summary and --summary-mode=disabled
// turn all of it off.
func (t *testRun) summarize(ctx context.Context, duration time.Duration) error {
	cfg, gs := t.cfg, t.gs
	mode := config.String(cfg.SummaryMode, config.SummaryCompact)
	if config.Bool(cfg.NoSummary, false) || mode == config.SummaryDisabled {
		return nil
	}
	s, err := summary.New(t.metrics.Snapshot(), summary.Options{
		TrendStats: cfg.SummaryTrendStats, TimeUnit: config.String(cfg.SummaryTimeUnit, ""),
		Mode: summary.Mode(mode), NoColor: t.gf.noColor,
		IsStdOutTTY: gs.stdoutTTY, IsStdErrTTY: gs.stderrTTY,
		TestRunDuration: duration, SetupData: t.engine.SetupData(),
	})
	if err != nil {
		return err
	}
	if path := config.String(cfg.SummaryExport, ""); path != "" {
		b, err := s.Export()
		if err == nil {
			err = writeFile(gs, path, b)
		}
		if err != nil {
			gs.logger.Errorf("--summary-export: %v", err)
		}
	}
	if t.runner.HasHandleSummary() {
		data, err := s.Map()
		if err != nil {
			return err
		}
		outs, err := t.runner.HandleSummary(ctx, data)
		if err == nil {
			return writeSummaryOutputs(gs, outs)
		}
		gs.logger.WithField("source", "stacktrace").Errorf("handleSummary() failed: %v", err)
	}
	return s.WriteText(gs.stdout, gs.stdoutTTY && !t.gf.noColor)
}

// writeSummaryOutputs writes what handleSummary returned: "stdout",
// "stderr" or a file path (relative to the working directory).
func writeSummaryOutputs(gs *globalState, outs map[string]io.Reader) error {
	var errs []error
	for dest, r := range outs {
		b, err := io.ReadAll(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("handleSummary output %q: %w", dest, err))
			continue
		}
		switch dest {
		case "stdout":
			_, err = gs.stdout.Write(b)
		case "stderr":
			_, err = gs.stderr.Write(b)
		default:
			err = writeFile(gs, dest, b)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("handleSummary output %q: %w", dest, err))
		}
	}
	return errors.Join(errs...)
}

func writeFile(gs *globalState, path string, b []byte) error {
	p := resolvePath(gs, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

// startEmbeddedTarget serves the reference staging API on a free loopback
// port for the run and points BASE_URL and STRIPE_WEBHOOK_SECRET at it
// (values given with -e win).
func startEmbeddedTarget(ctx context.Context, gs *globalState, env map[string]string, explicit []string) (stop func(), err error) {
	srv, err := target.New(target.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		return nil, fmt.Errorf("embedded target: %w", err)
	}
	if _, err := srv.Start(ctx); err != nil {
		_ = srv.Shutdown(context.Background())
		return nil, fmt.Errorf("embedded target: %w", err)
	}
	given := map[string]bool{}
	for _, kv := range explicit {
		k, _, _ := cutEq(kv)
		given[k] = true
	}
	if !given["BASE_URL"] {
		env["BASE_URL"] = srv.URL()
	}
	if !given["STRIPE_WEBHOOK_SECRET"] {
		env["STRIPE_WEBHOOK_SECRET"] = srv.WebhookSecret().Reveal()
	}
	gs.logger.Infof("embedded target listening on %s", srv.URL())
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			gs.logger.Warnf("embedded target: %v", err)
		}
	}, nil
}

func cutEq(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}
