// Package modules is Stampede's extension API, shaped like k6's: a Go module
// registers itself under a `k6/x/...` import name with Register, and every VU
// gets its own Instance of it. Built-in modules (`k6`, `k6/http`, ...) use the
// same API through RegisterBuiltin.
//
// Lifecycle: Module.NewModuleInstance is called once per VU while the script's
// init context runs (VU.InitEnv is non-nil, VU.State is nil). When the VU starts
// running iterations, VU.State becomes non-nil and VU.InitEnv returns nil.
package modules
