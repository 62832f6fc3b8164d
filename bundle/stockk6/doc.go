// Package stockk6 holds the test that runs bundled scenarios the way stock
// k6 would see them: its test binary registers only the stock k6 modules
// (k6, k6/http, k6/metrics, k6/crypto, k6/encoding, k6/execution, k6/data,
// k6/timers) and none of the native k6/x modules, so a bundle passes only
// if its shims do the work. There is no non-test code here.
package stockk6
