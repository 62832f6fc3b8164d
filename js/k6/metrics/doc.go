// Package metrics is the `k6/metrics` module: the Counter, Gauge, Rate and
// Trend constructors for custom metrics. Metrics are declared in the init
// context (like k6) and registered in the test run's metrics registry;
// `metric.add(value, tags)` emits a sample with the VU's current tags merged
// with tags into the VU's sample buffer.
package metrics
