package js

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"
	"golang.org/x/time/rate"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js/internal/vu"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

// LoadConfig says what script to load and with what environment.
type LoadConfig struct {
	// Path is the script's path, absolute or relative to CWD. With Source
	// set it only names the script (errors, relative imports and open()).
	Path string
	// Source is the script's content; when nil it is read from FS at Path.
	Source []byte
	// FS is where scripts, imports and open() read files; paths in it are
	// absolute paths without the leading slash (as os.DirFS("/") gives).
	// Default: os.DirFS("/").
	FS fs.FS
	// CWD is the directory a relative Path is resolved against. Default:
	// the process's working directory.
	CWD string
	// Env is __ENV: the engine passes the system environment (unless
	// disabled) merged with -e variables.
	Env map[string]string
	// Logger receives console output and runner warnings. Default: a
	// logger writing to stderr.
	Logger logrus.FieldLogger
	// Registry and BuiltinMetrics are the test run's metrics; created when nil.
	Registry       *metrics.Registry
	BuiltinMetrics *metrics.BuiltinMetrics
	// Secrets are the run's secret sources (k6/secrets), shared by all
	// VUs; nil: none.
	Secrets modules.Secrets
}

// Runner is a loaded script. It implements engine.Runner. Options,
// IsExecutable and HasHandleSummary are safe for concurrent use, and so is
// NewVU; Setup, Teardown and HandleSummary run one at a time.
type Runner struct {
	loader   *loader
	fs       fs.FS
	mainURL  *url.URL
	env      map[string]string
	envKeys  []string // env's keys, sorted (shared by the VUs' __ENV)
	logger   logrus.FieldLogger
	registry *metrics.Registry
	builtin  *metrics.BuiltinMetrics
	secrets  modules.Secrets

	options   config.Options // the script's exported options
	exported  map[string]bool
	warnings  []string
	scriptSrc []byte

	// Set by Configure.
	configured   bool
	consolidated config.Options
	baseTags     *metrics.TagSet
	rps          *rate.Limiter // the rps option, shared by the VUs (nil: none)
	systemTags   map[string]bool
	execution    modules.ExecutionInfo
	test         modules.TestController

	// The VU of the first init run, used for setup, teardown and handleSummary (__VU 0).
	mainVU *VU
	// mainBusy holds a token while the main VU runs one of them: the REST
	// API can call setup or teardown while the engine runs another.
	mainBusy chan struct{}

	refs moduleRefs // module resolution shared by the VUs' init contexts

	mu        sync.RWMutex
	setupJSON []byte
}

var _ engine.Runner = (*Runner)(nil)

// New loads the script: it compiles it and its imports and runs the init
// context once to read the exported options. Errors in the script wrap
// engine.ErrScriptException (with the original file:line:column); options of
// the wrong type wrap config.ErrInvalidConfig (every problem at once).
// Unknown options are logged as warnings.
func New(ctx context.Context, cfg LoadConfig) (*Runner, error) {
	if cfg.FS == nil {
		cfg.FS = os.DirFS("/")
	}
	if cfg.CWD == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("working directory: %w", err)
		}
		cfg.CWD = wd
	}
	if cfg.Logger == nil {
		l := logrus.New()
		l.SetOutput(os.Stderr)
		cfg.Logger = l
	}
	if cfg.Registry == nil {
		cfg.Registry = metrics.NewRegistry()
	}
	if cfg.BuiltinMetrics == nil {
		cfg.BuiltinMetrics = metrics.RegisterBuiltins(cfg.Registry)
	}
	if cfg.Env == nil {
		cfg.Env = map[string]string{}
	}
	if cfg.Path == "" {
		return nil, errors.New("no script path given")
	}
	p := filepath.ToSlash(cfg.Path)
	if !filepath.IsAbs(cfg.Path) {
		p = filepath.ToSlash(filepath.Join(cfg.CWD, cfg.Path))
	}
	mainURL := &url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Clean(p))}

	r := &Runner{
		mainBusy: make(chan struct{}, 1),
		loader:   newLoader(cfg.FS),
		fs:       cfg.FS,
		mainURL:  mainURL,
		env:      cfg.Env,
		envKeys:  sortedKeys(cfg.Env),
		logger:   cfg.Logger,
		registry: cfg.Registry,
		builtin:  cfg.BuiltinMetrics,
		secrets:  cfg.Secrets,
		exported: make(map[string]bool),
	}
	src := cfg.Source
	if src == nil {
		b, err := fs.ReadFile(cfg.FS, fsPath(mainURL))
		if err != nil {
			return nil, fmt.Errorf("cannot read the script %s: %w", cfg.Path, unwrapPathError(err))
		}
		src = b
	}
	if _, _, err := r.loader.program(specFile, mainURL, src); err != nil {
		return nil, scriptError(err)
	}
	r.scriptSrc = src

	v, err := r.newVU(ctx, 0, 0)
	if err != nil {
		return nil, err
	}
	r.mainVU = v
	for _, k := range v.exports.Keys() {
		if _, ok := sobek.AssertFunction(v.exports.Get(k)); ok {
			r.exported[k] = true
		}
	}
	raw, err := v.stringify(v.exports.Get("options"))
	if err != nil {
		return nil, scriptError(fmt.Errorf("exported options cannot be encoded as JSON: %w", err))
	}
	opts, warns, err := config.DecodeOptions(raw)
	if err != nil {
		return nil, err
	}
	for _, w := range warns {
		r.logger.Warn(w)
	}
	r.warnings = warns
	r.options = opts
	r.Configure(engine.RunnerConfig{Options: opts}) //nolint:errcheck // cannot fail; the engine configures again
	r.configured = false
	return r, nil
}

// Options returns the options the script exports.
func (r *Runner) Options() config.Options { return r.options }

// Registry returns the metrics registry (custom metrics defined by the script are in it).
func (r *Runner) Registry() *metrics.Registry { return r.registry }

// BuiltinMetrics returns the built-in metrics.
func (r *Runner) BuiltinMetrics() *metrics.BuiltinMetrics { return r.builtin }

// Configure takes the consolidated options and the engine's execution
// objects. Call it before NewVU, Setup, Teardown and HandleSummary.
func (r *Runner) Configure(rc engine.RunnerConfig) error {
	r.configured = true
	r.consolidated = rc.Options
	r.execution = rc.Execution
	r.test = rc.Test
	r.systemTags = systemTags(rc.Options.SystemTags)
	tags := make(map[string]string, len(rc.Options.Tags)+1)
	if r.systemTags["group"] {
		tags["group"] = ""
	}
	for k, v := range rc.Options.Tags {
		tags[k] = v
	}
	r.baseTags = metrics.NewTagSet(tags)
	if n := config.Int(rc.Options.RPS, 0); n > 0 {
		r.rps = rate.NewLimiter(rate.Limit(n), 1)
	}
	return nil
}

func systemTags(list []string) map[string]bool {
	if list == nil {
		list = vu.DefaultSystemTags
	}
	m := make(map[string]bool, len(list))
	for _, t := range list {
		m[t] = true
	}
	return m
}

// NewVU initialises a VU: a runtime with the script's init context run.
// Safe for concurrent use. Samples the VU emits go to out.
func (r *Runner) NewVU(ctx context.Context, idInInstance, idInTest uint64, out metrics.Ingester) (engine.InitializedVU, error) {
	v, err := r.newVU(ctx, idInInstance, idInTest)
	if err != nil {
		return nil, err
	}
	v.state = v.newState(out)
	v.core.MoveToVUContext(v.state)
	return v, nil
}

// IsExecutable reports whether the script exports a function called exec.
func (r *Runner) IsExecutable(exec string) bool { return r.exported[exec] }

// HasHandleSummary reports whether the script exports handleSummary.
func (r *Runner) HasHandleSummary() bool { return r.exported["handleSummary"] }

// ExportedFunctions returns the names of the functions the script exports, sorted.
func (r *Runner) ExportedFunctions() []string {
	out := make([]string, 0, len(r.exported))
	for k := range r.exported {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (r *Runner) setupDataJSON() []byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.setupJSON
}

// SetSetupData sets the setup data VUs and teardown get (as Setup does);
// for runs with --no-setup that still pass data, and for tests.
func (r *Runner) SetSetupData(data json.RawMessage) {
	r.mu.Lock()
	r.setupJSON = data
	r.mu.Unlock()
}

// takeMain waits until the main VU is free (or ctx ends) and returns the
// function that frees it: setup, teardown and handleSummary run on it one at
// a time.
func (r *Runner) takeMain(ctx context.Context) (release func(), err error) {
	select {
	case r.mainBusy <- struct{}{}:
		return func() { <-r.mainBusy }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the main VU: %w", context.Cause(ctx))
	}
}

// runMain runs the exported function name on the main VU (__VU 0) in the
// group "::"+name, with samples going to out, and waits for its event loop
// and returned promise. It returns the function's (settled) result.
func (r *Runner) runMain(ctx context.Context, name string, out metrics.Ingester, args func(v *VU) ([]sobek.Value, error)) (sobek.Value, error) {
	v := r.mainVU
	f := v.fn(name)
	if f == nil {
		return nil, nil
	}
	st := v.newState(out)
	st.Group = "::" + name
	if st.SystemTags["group"] {
		st.Tags.SetTag("group", st.Group)
	}
	v.core.MoveToVUContext(st)
	v.core.SetContext(ctx)
	v.state = st
	defer st.Samples.Flush()

	stop := context.AfterFunc(ctx, func() { v.rt.Interrupt(errInterrupted{ctx: ctx}) })
	defer func() {
		stop()
		v.rt.ClearInterrupt()
	}()
	var argv []sobek.Value
	if args != nil {
		var err error
		if argv, err = args(v); err != nil {
			return nil, err
		}
	}
	var ret sobek.Value
	var promise *sobek.Promise
	err := v.core.EventLoop().Start(func() error {
		var err error
		ret, err = f(sobek.Undefined(), argv...)
		promise = vu.HandlePromise(v.rt, ret)
		return err
	})
	if err != nil {
		v.core.EventLoop().WaitOnRegistered()
		return nil, scriptError(err)
	}
	if ctx.Err() != nil {
		// Cut short outside JavaScript (sleep, a dropped timer).
		return nil, fmt.Errorf("%s() was interrupted: %w", name, ctxErr(ctx))
	}
	if promise != nil {
		switch promise.State() {
		case sobek.PromiseStateRejected:
			return nil, scriptError(rejection(promise.Result()))
		case sobek.PromiseStateFulfilled:
			ret = promise.Result()
		default:
			return nil, &ScriptException{Text: name + "() returned a promise that never settled", err: errors.New("unsettled promise")}
		}
	}
	return ret, nil
}

// rejection turns a promise's rejection reason into an error with its stack.
func rejection(reason sobek.Value) error {
	text := "undefined"
	if reason != nil {
		text = reason.String()
		if o, ok := reason.(*sobek.Object); ok {
			if st := o.Get("stack"); st != nil && !sobek.IsUndefined(st) {
				text = st.String()
			}
		}
	}
	return &ScriptException{Text: "Uncaught (in promise) " + text, err: errors.New("promise rejected")}
}

func timeoutErr(ctx context.Context, err error, sentinel error) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", sentinel, err)
	}
	return err
}

// Setup runs the exported setup() (with __VU 0, in the group "::setup") and
// keeps its result, encoded as JSON, for every VU and for teardown. It
// returns that JSON (nil without setup or when it returns undefined). When
// ctx's deadline passes, setup is interrupted and the error wraps
// engine.ErrSetupTimeout.
func (r *Runner) Setup(ctx context.Context, out metrics.Ingester) (json.RawMessage, error) {
	release, err := r.takeMain(ctx)
	if err != nil {
		return nil, timeoutErr(ctx, err, engine.ErrSetupTimeout)
	}
	defer release()
	ret, err := r.runMain(ctx, "setup", out, nil)
	if err != nil {
		return nil, timeoutErr(ctx, err, engine.ErrSetupTimeout)
	}
	data, err := r.mainVU.stringify(ret)
	if err != nil {
		return nil, scriptError(fmt.Errorf("setup() returned data that cannot be encoded as JSON: %w", err))
	}
	r.SetSetupData(data)
	return data, nil
}

// Teardown runs the exported teardown(data) with a copy of the setup data.
// When ctx's deadline passes the error wraps engine.ErrTeardownTimeout.
func (r *Runner) Teardown(ctx context.Context, out metrics.Ingester) error {
	release, err := r.takeMain(ctx)
	if err != nil {
		return timeoutErr(ctx, err, engine.ErrTeardownTimeout)
	}
	defer release()
	_, err = r.runMain(ctx, "teardown", out, func(v *VU) ([]sobek.Value, error) {
		data, err := v.parseJSON(r.setupDataJSON())
		if err != nil {
			return nil, err
		}
		return []sobek.Value{data}, nil
	})
	return timeoutErr(ctx, err, engine.ErrTeardownTimeout)
}

// HandleSummary calls handleSummary(data) and returns what it returned: a
// map from "stdout", "stderr" or a file path to a string or ArrayBuffer.
func (r *Runner) HandleSummary(ctx context.Context, data map[string]any) (map[string]io.Reader, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("summary data: %w", err)
	}
	release, err := r.takeMain(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	discard := metrics.IngesterFunc(func([]metrics.Sample) {})
	ret, err := r.runMain(ctx, "handleSummary", discard, func(v *VU) ([]sobek.Value, error) {
		d, err := v.parseJSON(raw)
		if err != nil {
			return nil, err
		}
		return []sobek.Value{d}, nil
	})
	if err != nil {
		return nil, err
	}
	if ret == nil || sobek.IsUndefined(ret) || sobek.IsNull(ret) {
		return map[string]io.Reader{}, nil
	}
	obj, ok := ret.(*sobek.Object)
	if !ok {
		return nil, fmt.Errorf("handleSummary() returned %s: it must return an object mapping \"stdout\", \"stderr\" or file paths to strings or ArrayBuffers", ret.String())
	}
	out := make(map[string]io.Reader, len(obj.Keys()))
	for _, k := range obj.Keys() {
		val := obj.Get(k)
		switch x := val.Export().(type) {
		case string:
			out[k] = bytes.NewReader([]byte(x))
		case sobek.ArrayBuffer:
			out[k] = bytes.NewReader(append([]byte(nil), x.Bytes()...))
		case []byte:
			out[k] = bytes.NewReader(append([]byte(nil), x...))
		default:
			return nil, fmt.Errorf("handleSummary() returned a %T for %q: the value must be a string or an ArrayBuffer", x, k)
		}
	}
	return out, nil
}
