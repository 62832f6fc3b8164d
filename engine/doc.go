// Package engine runs a test: one executor per scenario over a shared pool of
// VUs, setup and teardown, periodic threshold evaluation, and the reason the
// run ended.
//
// The engine does not know JavaScript: it drives a Runner (implemented by
// package js), so executors are tested with any Runner.
//
// # Use
//
//	e, err := engine.New(engine.Params{Runner: r, Options: c.Options, Scenarios: c.Scenarios,
//		Ingester: samples, Builtin: builtin, Thresholds: metricsEngine, Logger: log})
//	err = e.Run(ctx) // init -> setup -> scenarios -> teardown -> final thresholds
//
// Run returns nil or an error wrapping one of the sentinels in errors.go,
// which the CLI maps to k6's exit codes. Stop (from a signal handler) stops
// the run gracefully; Progress, the ExecutionInfo methods and SetupData may
// be called at any time from any goroutine.
//
// # Lifecycle
//
// Init initialises, in parallel across CPUs, as many VUs as the busiest
// moment of the run needs (arrival-rate scenarios add VUs mid-test up to
// their maxVUs). setup() runs with setupTimeout, then every scenario starts
// at its startTime; when all have ended, teardown() runs with
// teardownTimeout (also after test.abort(), a threshold's abortOnFail or a
// signal), then thresholds are evaluated one last time. The summary and the
// outputs belong to the caller.
//
// # Executors
//
// shared-iterations, per-vu-iterations, constant-vus, ramping-vus,
// constant-arrival-rate and ramping-arrival-rate, one file each, with k6's
// semantics: at the end of its time a scenario starts no new iteration and
// gives running ones gracefulStop to finish before interrupting them
// (ramping-vus: gracefulRampDown for VUs ramped down). Arrival-rate start
// times are computed from the scenario's clock, never from the previous
// start, so they do not drift; one goroutine per scenario hands iterations
// to idle VUs (no allocation), and an iteration with no idle VU is dropped
// (dropped_iterations) with k6's "Insufficient VUs" warning once.
//
// externally-controlled loops as many VUs as Scale last asked for (the REST
// API, `stampede scale`), up to its maxVUs, which can grow mid-run; it alone
// can be paused once started (SetPaused), as in k6. Any run can start
// paused (Params.Paused) and waits after init, before setup, for a resume.
// Status reports where the run is with k6's execution status numbers.
//
// # Execution segments
//
// Every executor takes its share of VUs, iterations and arrival rate from
// this instance's execution segment (package engine/segment), computed
// alone, and numbers iterations so that exec.scenario.iterationInTest is
// unique across the instances of a segmented run.
//
// # Samples
//
// The engine emits vus and vus_max every GaugeInterval and
// dropped_iterations; the runner emits iterations, iteration_duration and
// everything the script measures.
package engine
