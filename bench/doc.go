// Package bench holds Stampede's performance benchmarks: Go micro-benchmarks
// (run them with `go test -run '^$' -bench . -benchmem ./bench/`) of the
// paths that decide the headline figures (one VU of the seed's
// queue-concurrency script, one http.get plus check iteration), and the
// helpers of the end-to-end harness in bench/cmd/stampede-bench, which runs
// the stampede binary against loopback servers and prints the table that
// BENCHMARKS.md records.
package bench
