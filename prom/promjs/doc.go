// Package promjs is the `k6/x/prom` JavaScript module: package prom's
// Prometheus client for scripts.
//
//	import { Client } from 'k6/x/prom';
//	const prom = new Client({ url: 'http://127.0.0.1:9090', timeout: '5s' });
//	export function setup() { return prom.snapshot(); }
//	export function teardown(before) { console.log(JSON.stringify(prom.diff(before, prom.snapshot()))); }
//
// Prometheus being down, slow or answering errors never fails the test:
// each failed call logs a warning (once per client, operation and reason;
// never with the bearer token), adds 1 to the prom_query_errors counter
// (tagged op and reason) and returns an empty result ([] or NaN). A query
// that returns no series warns once with "did you mean" suggestions.
//
// Times in results are Unix seconds (as Prometheus gives them); times in
// arguments are Dates, Unix seconds or date strings; durations (timeout,
// step) are k6 duration strings or milliseconds.
//
// Clients built with the same options in the same test run share one
// prom.Client (its connections and its warn-once memory), so a warning is
// logged once per run rather than once per VU. Requests to Prometheus do not
// go through k6/http: they record no http_req_* samples.
package promjs
