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
// GOGC=400, one over 1 GiB GOGC=25 (a quarter of the live heap as
// headroom), and in between the headroom stays about 256 MiB. At 10,000
// VUs (~1.3 GiB live) that takes the peak from about twice the live heap
// to 1.25 times, for a few more collections of a heap that is mostly the
// VUs' runtimes.
//
// A GOGC environment variable, when set, wins: Start then does nothing.
package gctune
