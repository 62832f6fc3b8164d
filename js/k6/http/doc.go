// Package http is Stampede's k6/http module and the Go request API that
// other modules use to send requests exactly as k6/http does.
//
// # JavaScript
//
// The module registers itself as "k6/http" with k6's exports (get, post,
// request, asyncRequest, batch, file, cookieJar, url, expectedStatuses,
// setResponseCallback, the TLS and OCSP constants, CookieJar) and behaviour:
// params, responses, error codes, redirects, cookies, compression and the
// per-request samples. A request made in the init context throws
// ErrInitContext's message. Response.html(), clickLink() and submitForm()
// and the ocsp and ntlm features are not supported.
//
// # Go
//
// Another module sends a request with Do(vu, req), or gets the VU's Client
// with ClientFor(vu) on the VU's goroutine and calls Client.Do from any
// goroutine of the running iteration. Requests go through the same machinery
// as k6/http's: the VU's keep-alive connections and cookie jar, the options
// (userAgent, maxRedirects, throw, discardResponseBodies, hosts, TLS), and
// one batch of samples per request hop in the VU's buffer, tagged like k6.
//
// # Per-VU state
//
// A VU's transport (connection pool, byte counters for data_sent and
// data_received) and cookie jar live in modules.State (Transport, Dialer,
// CookieJar). The runtime may build the transport with NewTransport; when it
// leaves the fields nil, the first request of the VU fills them, and the
// first request of each iteration resets the jar (unless noCookiesReset)
// and, with noVUConnectionReuse, closes idle connections.
package http
