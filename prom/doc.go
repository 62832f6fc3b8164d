// Package prom is a small Prometheus query client for load tests: instant,
// range and scalar queries, before/after snapshots of a few metrics and their
// differences. It is a plain Go library; package promjs binds it to
// JavaScript as the `k6/x/prom` module.
//
// It is built on prometheus/client_golang's api and api/prometheus/v1
// packages. A bearer token is sent through prometheus/common's
// authorization-credentials round tripper and never appears in errors or
// warnings: every error text is scrubbed of it.
//
// Two behaviours are meant for load tests:
//
//   - A query that returns no series logs one warning per query and Client,
//     naming the metrics of the query that Prometheus does not know and
//     suggesting close names from /api/v1/label/__name__/values ("did you mean
//     redis_memory_used_bytes?").
//   - Errors are returned as *QueryError values carrying a low-cardinality
//     Reason ("timeout", "unreachable", "server_error", ...), so that a caller
//     (the JS binding) can turn them into a warning, an empty result and a
//     counted metric instead of failing the test.
package prom
