// Package k6 is the `k6` module: check, group, sleep, fail and randomSeed,
// with k6's behaviour and metrics (`checks` and `group_duration`).
package k6
