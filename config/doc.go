// Package config holds Stampede's test options with k6's names (`export const
// options`, K6_* environment variables and CLI flags), their strict decoding, the
// layering of those sources and their validation.
//
// Every field that can come from more than one layer is a pointer (or a nil-able
// map/slice) so that "not set" differs from "set to the zero value"; Apply merges
// a higher layer over a lower one.
package config
