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
// GOGC=400, one over 256 MiB keeps GOGC=100, and in between the headroom
// stays about 256 MiB. The defaults never lower GOGC below Go's own: at
// 10,000 VUs (~1.3 GiB live) GOGC=25 took the peak RSS from 2.5 to 1.7 GiB
// but the collections it added stalled the VUs, and http_req_duration's
// p95 went from 0.3 to 2 s (BENCHMARKS.md). A load generator must not add
// its own latency to what it measures; set GOGC to trade that differently.
//
// A GOGC environment variable, when set, wins: Start then does nothing.
package gctune
