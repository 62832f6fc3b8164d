// Package config holds Stampede's test options with k6's names (`export const
// options`, K6_* environment variables and CLI flags), their strict decoding,
// the layering of those sources and their validation.
//
// Every field that can come from more than one layer is a pointer (or a nil-able
// map/slice) so that "not set" differs from "set to the zero value"; Apply merges
// a higher layer over a lower one.
//
// The pieces, in the order a run uses them:
//
//   - DecodeOptions decodes the script's options strictly (the script layer);
//   - FromEnv reads the K6_* variables (the environment layer); the CLI
//     builds the flag layer;
//   - Consolidate merges script < env < CLI exactly as k6 does, derives the
//     scenarios (ParseScenarios, or the "default" scenario from the
//     vus/duration/iterations/stages shorthands), applies defaults and
//     validates everything, reporting every problem at once.
//
// Every configuration error wraps ErrInvalidConfig (exit code 104) and names
// the option (or K6_* variable or --flag), the value and what is allowed.
package config
