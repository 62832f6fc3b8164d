// Package engine runs a test: it consolidates options into scenarios, drives one
// executor per scenario over a pool of VUs, runs setup and teardown, evaluates
// thresholds during the run, and reports why a run ended.
//
// The engine does not know JavaScript: it drives a Runner (implemented by
// package js), so executors are tested with any Runner.
package engine
