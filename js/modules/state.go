package modules

import (
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/time/rate"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/metrics"
)

// InitEnvironment is what a module may use while the init context runs.
type InitEnvironment struct {
	Logger         logrus.FieldLogger
	FS             fs.FS    // the file system scripts read with open()
	CWD            *url.URL // directory of the file being initialised (file:// URL)
	Registry       *metrics.Registry
	BuiltinMetrics *metrics.BuiltinMetrics
	Env            map[string]string // __ENV
	Options        *config.Options   // the script's options as far as known at init (read-only)
	// Secrets are the run's --secret-source sources, shared by all VUs
	// (nil: none given). k6/secrets reads them.
	Secrets Secrets
}

// Secrets gives secret values (a *secretsource.Manager). Get may block; it
// is safe for concurrent use and its errors never contain a secret value.
type Secrets interface {
	// Get returns the secret key from the source named source, or from the
	// default source when source is "".
	Get(source, key string) (string, error)
}

// State is a VU's run-time state, given to modules once init is over.
// A State belongs to one VU; fields are set by the engine before the VU runs
// and must be treated as read-only by modules unless a field says otherwise.
type State struct {
	Logger  logrus.FieldLogger
	Options *config.Options // consolidated options (read-only)

	Registry       *metrics.Registry
	BuiltinMetrics *metrics.BuiltinMetrics
	// Samples is the VU's sample buffer: modules Add samples to it.
	Samples *metrics.Buffer
	// Tags holds the VU's current tags (options.tags, scenario tags, the
	// `scenario` and `group` system tags, exec.vu.metrics.tags). Snapshot it
	// with Tags.Tags() when emitting a sample.
	Tags *metrics.TagsAndMeta
	// SystemTags is the set of system tags enabled by the systemTags option.
	SystemTags map[string]bool
	// Group is the current group path ("" at the root, "::a::b" nested).
	Group string

	// HTTP client parts shared by modules that send requests (k6/http, k6/x/*).
	// RPSLimiter is the rps option's limit, shared by all the run's VUs
	// (nil: none): k6/http waits on it before each request.
	RPSLimiter *rate.Limiter
	Transport  http.RoundTripper
	Dialer     *net.Dialer
	CookieJar  http.CookieJar

	// VU identity and iteration counters.
	VUID       uint64 // idInInstance, from 1
	VUIDGlobal uint64 // idInTest, unique across instances
	Iteration  int64  // __ITER: iterations this VU started in the current scenario, from 0
	// VUIteration counts the iterations this VU started in the whole test
	// (all scenarios), from 0: exec.vu.iterationInInstance.
	VUIteration int64

	// Scenario describes the scenario whose iteration runs now (nil in setup/teardown).
	Scenario *ScenarioState
	// Execution gives instance-wide execution figures; Test controls the run.
	Execution ExecutionInfo
	Test      TestController
}

// ScenarioState is the scenario part of `k6/execution` for the running iteration.
type ScenarioState struct {
	Name      string
	Executor  string
	StartTime time.Time
	// Progress returns the scenario's progress in [0, 1].
	Progress func() float64
	// Iteration numbers of the current iteration.
	IterationInInstance int64
	IterationInTest     int64
}

// ExecutionInfo is `k6/execution`'s instance object; implemented by the engine.
type ExecutionInfo interface {
	VUsActive() int64
	VUsInitialized() int64
	IterationsCompleted() int64
	IterationsInterrupted() int64
	CurrentTestRunDuration() time.Duration
}

// TestController is `k6/execution`'s test object; implemented by the engine.
type TestController interface {
	// Abort stops the whole test run (teardown still runs); exit code 108.
	Abort(reason string)
	// Fail marks the run as failed but lets it go on; exit code 110.
	Fail(reason string)
}
