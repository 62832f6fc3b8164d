// Package data is the `k6/data` module: SharedArray, a read-only array that
// is built once per test run and shared by every VU.
//
//	const users = new SharedArray("users", () => JSON.parse(open("users.json")));
//
// The first VU to construct a SharedArray with a given name runs the
// function; its result is stored once for the whole process as one JSON
// text per element. Every VU (including the first) gets an Array object
// backed by that shared store: reading an element parses its JSON in the
// reading VU's runtime and deep-freezes the result, so no VU keeps a copy
// of the data and memory does not grow with the number of VUs.
//
// Arrays are scoped to a test run: VUs whose InitEnvironment has the same
// metrics Registry (one per test run) share them, and the store entry goes
// away when that Registry is garbage collected.
package data
