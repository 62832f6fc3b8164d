// Package metrics holds Stampede's metric model: metric definitions and their
// registry, immutable tag sets, samples, and the per-VU sample buffer that hands
// samples to the metrics engine in batches.
//
// The hot path is designed so that a VU never takes a global lock or sends on a
// channel per sample: it appends to its own Buffer, which passes whole batches
// to an Ingester.
package metrics
