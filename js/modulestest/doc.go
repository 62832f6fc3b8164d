// Package modulestest runs JavaScript snippets through a real VU so module
// authors can test their modules the way scripts use them.
//
//	rt := modulestest.New(t)
//	v, err := rt.RunScript(`require("k6/crypto").sha256("x", "hex")`)
//
// A Runtime starts in the init context (VU.InitEnv non-nil, VU.State nil);
// MoveToVUContext(rt.NewState()) switches it to the running state, with a
// sample buffer whose samples Samples returns. RunScript runs the VU's event
// loop to completion, so promises, timers and RegisterCallback work as in a
// test run. Registered modules (built-ins imported by the test binary, and
// k6/x extensions) are reachable through `require(name)` and, in ES-module
// snippets, `import`.
//
// Runtime's methods must be called from the test's goroutine.
package modulestest
