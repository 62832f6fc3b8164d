// Package output streams a test run's samples to files and services while
// the test runs: `-o json=results.json` (k6's NDJSON Metric/Point lines,
// gzipped for .gz) and `-o csv=results.csv` (k6's columns and K6_CSV_*
// options). Outputs implement a small interface (Start, AddSamples, Stop) plus
// optional ones found by type assertion; a Manager fans batches out to them
// through bounded queues that never block VUs, and counts what it drops.
//
// Wiring at the start of a run:
//
//	outs, err := output.New(specs, output.Params{Env: env, Stdout: os.Stdout, Logger: log})
//	mgr := output.NewManager(outs, output.ManagerOptions{Thresholds: engine.Thresholds(), Logger: log})
//	mgr.Start()
//	ingest := metrics.Tee(engine, mgr) // what the VUs' buffers flush into
//	...
//	mgr.Stop() // on every way out, SIGINT included
package output
