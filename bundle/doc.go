// Package bundle turns a Stampede script into one self-contained script for
// stock k6 and Grafana Cloud k6, where the k6/x extension modules do not
// exist. It backs the `stampede bundle` command.
//
// Bundle uses esbuild's bundler (ES module output, neutral platform):
//
//   - every local import (./lib/*.js, TypeScript files, node_modules
//     packages) is inlined;
//   - imports of k6/x/stripe, k6/x/prom and k6/x/queue are replaced by
//     pure-JavaScript shims embedded in this package (shims/*.js), written on
//     top of stock k6 modules only, with the API, metric names and tags of
//     Stampede's native modules;
//   - imports of stock k6 modules (StockModules) and remote modules
//     (https://jslib.k6.io/... and any other http(s) URL) are left as they
//     are, for k6 to resolve;
//   - any other k6/... import (an unknown built-in, or a k6/x extension with
//     no shim) is an error wrapping ErrUnsupportedModule, because stock k6
//     would fail on it at start.
//
// The output imports nothing but stock k6 modules and remote URLs, so it
// runs with `k6 run out.js`, `k6 cloud run out.js`, and with Stampede itself.
// What the shims cannot do exactly as the native modules do (their
// Prometheus requests are k6 HTTP requests, no Prometheus query in the init
// context, millisecond clock for queue latencies) is listed in the README,
// section "Running on stock k6 / Grafana Cloud k6".
//
// Bundle is safe for concurrent use; it reads the entry script and its
// imports from the file system and writes nothing.
package bundle
