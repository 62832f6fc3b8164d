// Package target is the reference implementation of the staging API that
// Stampede's scenarios load-test (the "embedded target"). The contract it
// implements is shared/spec/staging-api.md: anonymous users with bearer
// tokens, token purchases credited by signed Stripe webhooks, a matchmaking
// queue whose worker pairs users into sessions, and /healthz and /metrics.
//
// The package is a library first: New builds a Server from a Config, Handler
// exposes it as an http.Handler (for httptest or embedding in another mux),
// and Start/Shutdown run it on its own listener. The `stampede target`
// command and `stampede run --embedded-target` are thin wrappers around it.
//
// # Concurrency
//
// The in-memory store is built for many thousands of concurrent clients on a
// small box: users live in hash-sharded maps and carry their own mutex, each
// queue key has its own lock, sessions and processed webhook event ids are
// sharded too. There is no global lock on any request path. Invariants the
// spec requires hold under any concurrency:
//
//   - a user's balance is credited minus debited and never negative;
//   - each webhook event id credits at most once, also for concurrent
//     duplicates;
//   - a user is in at most one queue or one session at a time;
//   - a session debits exactly one token from each of its two users, in the
//     same critical section that creates it (both users' locks held).
//
// Lock order, for readers of the code: queue lock, then user locks (two user
// locks are always taken in ascending user sequence order), then a session
// or event shard lock. No path takes a queue lock while holding a user lock;
// the lock of the map of queues is a leaf, taken under a user lock by join.
//
// # Lifecycle
//
// New starts the matching worker; Start adds an HTTP listener; Shutdown
// drains in-flight requests and stops the worker. Every Server must be shut
// down. Several Servers may live in one process: each has its own Prometheus
// registry.
//
// # Secrets
//
// The webhook secret is a Secret, which prints as <redacted> in every fmt,
// slog and JSON rendering; bearer tokens are never logged.
package target
