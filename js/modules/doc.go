// Package modules is Stampede's extension API, shaped like k6's: a Go module
// registers itself under a `k6/x/...` import name with Register, and every VU
// gets its own Instance of it. Built-in modules (`k6`, `k6/http`, ...) use the
// same API through RegisterBuiltin.
//
// Lifecycle: Module.NewModuleInstance is called once per VU while the script's
// init context runs (VU.InitEnv is non-nil, VU.State is nil). When the VU starts
// running iterations, VU.State becomes non-nil and VU.InitEnv returns nil.
//
// Exports: as in k6, Instance.Exports returns the default export and a map of
// named exports. A module may give an ExportTable instead of the map
// (Exports.Table): one table for all its instances, whose entries make an
// export for an instance when the script first reads it, so that a VU keeps
// no map of the module's exports (at 10,000 VUs a map per module per VU is
// megabytes). k6, k6/metrics, k6/x/stripe, k6/x/queue and k6/x/prom use
// one.
package modules
