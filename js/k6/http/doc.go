// Package http is Stampede's k6/http module and the Go request API that
// other modules use to send requests exactly as k6/http does.
//
// # JavaScript
//
// The module registers itself as "k6/http" with k6's exports (get, head,
// post, put, patch, del, options, request, asyncRequest, batch, file,
// cookieJar, CookieJar, url, expectedStatuses, setResponseCallback and the
// TLS_* / SSL_3_0 / OCSP_* constants) and k6's behaviour for params,
// responses, error codes, redirects, cookies, compression and per-request
// samples. A request made in the init context throws ErrInitContext's
// message. Not supported: Response.html(), clickLink() and submitForm(),
// the response's ocsp field and auth "ntlm". The httpDebug option logs
// requests and responses as k6 does, without credentials (debug.go).
//
// # Go
//
// Another module sends a request with Do on the VU's goroutine:
//
//	resp, err := http.Do(vu, &http.Request{
//		Method: "POST",
//		URL:    base + "/webhooks/stripe",
//		Header: stdhttp.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {sig}},
//		Body:   payload,
//		Name:   "stripe webhook", // the name tag
//		Tags:   map[string]string{"kind": "webhook"},
//	})
//	if err != nil { ... }           // invalid request, init context, or (throw option) a failure
//	if resp.Err() != nil { ... }    // the request failed: resp.Error, resp.ErrorCode (k6's codes)
//	use(resp.Status, resp.Body)
//
// For work off the VU's goroutine, get the VU's Client with ClientFor(vu) on
// the VU's goroutine and call Client.Do (or DoBatch) from any goroutine of
// the running iteration. Requests go through the same machinery as
// k6/http's: the VU's keep-alive connections and cookie jar, the options
// (userAgent, maxRedirects, throw, discardResponseBodies, hosts, dns, TLS
// and tlsAuth), and one batch of samples per request hop in the VU's
// buffer, tagged like k6.
// The zero values of Request's fields are k6's defaults; note that with the
// discardResponseBodies option a caller that needs the body sets
// ResponseType to ResponseText.
//
// # Per-VU state
//
// A VU's transport (connection pool, byte counters for data_sent and
// data_received) and cookie jar live in modules.State (Transport, Dialer,
// CookieJar). The runtime may build the transport with NewTransport; when it
// leaves the fields nil, the first request of the VU fills them, and the
// first request of each iteration resets the jar (unless noCookiesReset;
// a jar that never held a cookie nor was handed to the script is kept, as
// it is still empty) and, with noVUConnectionReuse, closes idle connections.
// What VUs would otherwise each hold a copy of is shared by the process:
// the dns option's resolver and its cache (one per dns setting), the
// parsed tlsAuth certificates, parsed URLs and request tag sets.
//
// # The wire
//
// Plain http:// requests without a proxy (bodies up to 16 KB) are written
// and read on the calling goroutine over the transport's own kept-alive
// HTTP/1.1 connections, with net/http's wire format, header checks, retry
// rules and httptrace timings; this saves net/http's two goroutines per
// connection and their hand-offs, most of a request's CPU against a fast
// target. Everything else (https, HTTP/2, proxies, larger bodies, a
// caller's own httptrace) goes through net/http's Transport. Setting the
// environment variable STAMPEDE_HTTP1_NETHTTP=1 sends every request
// through net/http, to compare.
//
// DefaultUserAgent is the User-Agent used when the userAgent option is
// unset; the CLI sets it to "stampede/<version>".
package http
