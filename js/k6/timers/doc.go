// Package timers is the `k6/timers` module: setTimeout, clearTimeout,
// setInterval and clearInterval on the VU's event loop. The js runtime also
// installs the same functions as globals.
//
// Timers fire in deadline order (equal deadlines in creation order). A
// pending timer keeps the VU's event loop, and so the iteration, alive; when
// the VU's context ends every pending timer is dropped without running.
package timers
