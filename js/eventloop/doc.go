// Package eventloop is the per-VU event loop: it runs a first function (an
// iteration, the init context, setup ...) on the VU's goroutine and then every
// callback that asynchronous work enqueued, until no work is pending.
//
// Asynchronous Go code reserves a slot with RegisterCallback on the VU's
// goroutine and later, from any goroutine, calls the returned enqueue function
// exactly once with the function to run back on the VU's goroutine. The loop
// ends when nothing is queued and no reserved slot is outstanding.
//
// A promise rejected without a handler by the end of a callback stops the loop
// with an error ("Uncaught (in promise) ..."), as in k6.
package eventloop
