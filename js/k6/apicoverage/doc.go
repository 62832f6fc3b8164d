// Package apicoverage holds the API-coverage test: every built-in module
// Stampede supports must export, at run time, each name @types/k6 declares
// for it (functions, constants, classes), apart from a short, documented
// list of names not supported yet (see notSupported in the test).
//
// testdata/k6-exports.json is generated from @types/k6 by gen_exports.go;
// regenerate it (npm must be installed) with
//
//	go generate ./js/k6/apicoverage
//	TYPES_K6_VERSION=2.4.0 go generate ./js/k6/apicoverage
package apicoverage

//go:generate go run gen_exports.go
