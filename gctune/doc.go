// Package gctune adapts Go's garbage collector to a load generator.
//
// With the default GOGC=100 the collector runs whenever the heap has grown
// by as much as is live. A small test (tens of VUs, a few MiB live) that
// allocates for every request then collects many times a second, and the
// collections' fixed costs show up in the CPU spent per request. A big test
// (thousands of VUs, GiBs live) needs the opposite: its headroom, as large
// as the live heap, is what dominates its peak memory.
//
// Start keeps the headroom near a fixed amount instead: GOGC is set to
// Headroom / live heap (in percent), bounded by Min and Max, and adjusted
// as the live heap changes. With the defaults, a heap under 64 MiB gets
// GOGC=400, one over ~366 MiB gets GOGC=70, and in between the headroom
// stays about 256 MiB. The floor is below Go's 100 because the engine makes
// little garbage per request: what the collector costs grows with the
// bytes allocated divided by GOGC, and a request allocates about half of
// what it did when the floor was 100, so the collector costs less CPU at
// 70 than it did then, and 10,000 VUs peak ~100 MiB lower. It is not lower
// still: a load generator must not add its own latency to what it
// measures, and less headroom means more collections of a big heap, which
// stall the VUs (GOGC=25 at 10,000 VUs took http_req_duration's p95 from
// 0.3 to 2 s, BENCHMARKS.md). Set GOGC to trade that differently.
//
// A GOGC environment variable, when set, wins: Start then does nothing.
package gctune
