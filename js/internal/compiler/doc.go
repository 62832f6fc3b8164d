// Package compiler turns one script file (JavaScript as ES module or
// CommonJS, TypeScript, or JSON) into a compiled sobek program: esbuild
// transforms it to CommonJS with a source map, the result is wrapped in a
// function taking the module's CommonJS bindings, and sobek compiles it once.
// The program is then run by every VU that loads the file.
//
// Positions in errors and stacks point at the original source through the
// source map, TypeScript included.
package compiler
