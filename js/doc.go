// Package js runs k6 scripts: it loads a script and its imports (ES modules,
// CommonJS, TypeScript and JSON, transformed by esbuild and compiled once
// for all VUs), runs the init context to read the exported options, and
// implements engine.Runner: VUs with their own sobek runtime and event loop,
// iterations, setup, teardown and handleSummary.
//
// Use:
//
//	r, err := js.New(ctx, js.LoadConfig{Path: "script.js", Env: env, Logger: l, Registry: reg, BuiltinMetrics: bm})
//	opts := r.Options()                 // the script layer of the options
//	r.Configure(engine.RunnerConfig{...}) // consolidated options, exec objects
//	vu, err := r.NewVU(ctx, id, idInTest, ingester) // concurrently, one per VU
//	data, err := r.Setup(ctx, ingester)
//	a := vu.Activate(&engine.VUActivationParams{...})
//	err = a.RunOnce()                   // one iteration
//	err = r.Teardown(ctx, ingester)
//	files, err := r.HandleSummary(ctx, summaryData)
//
// Module resolution: `k6`, `k6/...` and `k6/x/...` come from the modules
// registry (js/modules); relative and absolute paths are local files,
// resolved against the importing file; https://jslib.k6.io/k6-utils/<v>/index.js
// and k6-summary are embedded (js/jslib); any other remote URL is an error
// (ErrRemoteModule) asking the user to save the file locally.
//
// The init context has open(path[, "b"]) (relative to the calling file),
// require(), __ENV, __VU (0 in the first init and in setup/teardown, the VU
// id otherwise), __ITER and console (logrus, fields source=console and,
// while running, vu and iter). Errors carry the original file:line:column
// through source maps, TypeScript included.
//
// RunOnce errors: a script exception is a *ScriptException wrapping
// engine.ErrScriptException; exec.test.abort() wraps engine.ErrScriptAborted;
// an iteration cut short by the end of its RunContext wraps ErrInterrupted
// and context.Canceled (or DeadlineExceeded). RunOnce emits `iterations` and
// `iteration_duration` (VU tags, scenario included) for iterations that were
// not interrupted.
package js
