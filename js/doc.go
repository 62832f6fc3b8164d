// Package js runs k6 scripts: it loads a script and its imports (ES modules,
// CommonJS, TypeScript and JSON, transformed by esbuild and compiled once),
// runs the init context to read the exported options, and implements
// engine.Runner: VUs with their own sobek runtime and event loop, iterations,
// setup, teardown and handleSummary.
//
// Module resolution: `k6`, `k6/...` and `k6/x/...` come from the modules
// registry (js/modules); relative and absolute paths are local files;
// https://jslib.k6.io/k6-utils/<v>/index.js and k6-summary are embedded
// (js/jslib); any other remote URL is an error asking the user to save the
// file locally.
//
// The init context has `open()`, `require()`, `__ENV`, `__VU` (0 in the first
// init and in setup/teardown, the VU id otherwise), `__ITER` and `console`.
// Errors carry the original file:line:column, through source maps.
package js
