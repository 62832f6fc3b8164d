// Package examplext is a complete third-party extension in a few lines, and
// the proof that one blank import adds a module to Stampede:
//
//	import _ "github.com/stampede-load/stampede/js/modules/examplext"
//
// makes `import example from "k6/x/example"` work in scripts. It exports
// greet(name) (a string), count(n) (adds n to the custom counter
// example_count, only while the VU runs) and later(value, ms) (a promise
// resolved on the VU's event loop after ms milliseconds).
package examplext
