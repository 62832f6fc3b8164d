// Package execution is the `k6/execution` module: live information about the
// test run (instance, scenario, vu) and control over it (test.abort,
// test.fail), read from the VU's modules.State on every access.
package execution
