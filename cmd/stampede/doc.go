// Command stampede runs k6-style load tests: `stampede run script.js` where
// you would type `k6 run script.js`, with k6's flags, K6_* environment
// variables and exit codes. `stampede inspect` prints a script's consolidated
// options, `stampede version` the version.
//
// The command is thin: configuration lives in package config, execution in
// package engine, the script runtime in package js, aggregation, thresholds,
// summary and outputs in packages metrics, summary and output. Errors become
// exit codes in one place (exitcodes.go).
package main
