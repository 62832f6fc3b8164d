package http

import (
	"net/http"
	"time"
)

// ResponseType says what becomes of a response body (k6's responseType param).
type ResponseType uint8

const (
	// ResponseDefault is ResponseText, or ResponseNone when the
	// discardResponseBodies option is set.
	ResponseDefault ResponseType = iota
	// ResponseText keeps the body; JS sees it as a string.
	ResponseText
	// ResponseBinary keeps the body; JS sees it as an ArrayBuffer.
	ResponseBinary
	// ResponseNone reads the body off the wire and drops it; JS sees null.
	ResponseNone
)

// AuthMethod is k6's auth param: how the credentials in the URL's user info
// (http://user:pass@host/) are sent.
type AuthMethod uint8

const (
	// AuthDefault sends URL credentials with basic auth, as k6 does.
	AuthDefault AuthMethod = iota
	// AuthBasic sends URL credentials with basic auth.
	AuthBasic
	// AuthDigest answers a 401 digest challenge with the URL credentials
	// (RFC 7616: MD5, MD5-sess, SHA-256, SHA-256-sess; qop auth).
	AuthDigest
)

// DefaultTimeout is k6's default request timeout.
const DefaultTimeout = 60 * time.Second

// RequestCookie is a cookie sent with one request, on top of the cookie jar's.
// With Replace, it replaces a jar cookie of the same name; otherwise both are sent.
type RequestCookie struct {
	Name    string
	Value   string
	Replace bool
}

// Request is one HTTP request made through a VU, from JS (k6/http) or from Go
// (other modules, through Client.Do or Do). The zero value of every field but
// URL is a sensible default. A Request is read, never modified, by Do, and
// may be reused once Do has returned.
type Request struct {
	// Method is the HTTP method; "" means GET.
	Method string
	// URL is the absolute http:// or https:// URL. Credentials in it
	// (user:pass@) are sent according to Auth and masked in the url tag.
	URL string
	// Name is the name tag; "" means the url tag's value. Tags["name"] wins over it.
	Name string
	// Header holds the request headers. Do does not modify it. A
	// User-Agent header here wins over the userAgent option; a Host header
	// sets the request's host.
	Header http.Header
	// SharedHeader says the caller sends this same Header, unchanged, with
	// many requests (a client's header per user): Do may then keep what it
	// derives from it (canonical keys, the User-Agent) for the next request
	// instead of copying it every time. The caller must never modify it.
	SharedHeader bool
	// Body is sent as is (already encoded). Do does not modify or keep it
	// beyond the request, but the caller must not change it while Do runs.
	Body []byte
	// Compression compresses Body before sending it: "gzip", "deflate",
	// "br", "zstd", or a comma-separated list applied in order; it sets
	// Content-Encoding accordingly.
	Compression string
	// Tags are added to the samples of this request (they win over system tags).
	Tags map[string]string
	// Timeout bounds the whole request, redirects and body included; <= 0 means DefaultTimeout.
	Timeout time.Duration
	// ResponseType says whether the body is kept.
	ResponseType ResponseType
	// Redirects is how many redirects to follow; nil means the maxRedirects option (10).
	Redirects *int
	// Auth says how URL credentials are sent.
	Auth AuthMethod
	// Cookies are sent in addition to (or, with Replace, instead of) the jar's.
	Cookies []RequestCookie
	// Jar is the cookie jar to read and update; nil means the VU's jar.
	Jar http.CookieJar
	// ResponseCallback reports whether a status is expected; it drives the
	// http_req_failed metric and the expected_response tag, for every
	// redirect hop. nil means DefaultResponseCallback (200–399).
	ResponseCallback func(status int) bool
	// NoResponseCallback turns the callback off: no http_req_failed sample
	// and no expected_response tag (k6's setResponseCallback(null)).
	NoResponseCallback bool

	// headerOwned says Header was made for this request alone (by the JS
	// binding), so Do may change it instead of copying it.
	headerOwned bool
}

// DefaultResponseCallback is k6's default: statuses 200–399 are expected.
func DefaultResponseCallback(status int) bool { return status >= 200 && status <= 399 }

// Timings are a request's phases, measured with net/http/httptrace, as k6
// reports them (each field is a duration; JS sees milliseconds).
type Timings struct {
	// Blocked is the time spent waiting for a connection (a free slot, DNS)
	// before connecting or reusing one.
	Blocked time.Duration
	// Connecting is the TCP connect time (0 on a reused connection).
	Connecting time.Duration
	// TLSHandshaking is the TLS handshake time (0 on reuse or plain HTTP).
	TLSHandshaking time.Duration
	// Sending is the time spent writing the request.
	Sending time.Duration
	// Waiting is the time to first byte after the request was written.
	Waiting time.Duration
	// Receiving is the time spent reading the response body.
	Receiving time.Duration
	// Duration is Sending + Waiting + Receiving.
	Duration time.Duration
}

// RequestInfo describes the request that produced a Response (its last
// redirect hop): k6's response.request.
type RequestInfo struct {
	Method string
	URL    string
	// Header is the header sent, Cookie and Authorization included. It
	// lacks the headers the transport adds on the wire (Host, Content-Length,
	// Accept-Encoding). It may be shared with other requests: do not modify it.
	Header http.Header
	// Body is the body sent, after compression.
	Body []byte
	// Cookies are the cookies sent (jar and request cookies).
	Cookies []RequestCookie
}

// Response is the outcome of a Request. A request that failed on the network
// (refused, reset, timeout, TLS) still gives a Response: Status 0 with Error
// and ErrorCode set, like k6.
type Response struct {
	// Status is the HTTP status code, 0 when the request failed.
	Status int
	// StatusText is the status line's text as Go reports it ("200 OK").
	StatusText string
	// Proto is "HTTP/1.1" or "HTTP/2.0".
	Proto string
	// Header holds the response headers with canonical keys.
	Header http.Header
	// Body is the (decompressed) body; nil for ResponseNone. It belongs to
	// the caller.
	Body []byte
	// URL is the URL of the last request (after redirects).
	URL string
	// RemoteIP and RemotePort are the peer's address.
	RemoteIP   string
	RemotePort int
	// TLSVersion ("tls1.2", "tls1.3") and TLSCipherSuite are set for HTTPS.
	TLSVersion     string
	TLSCipherSuite string
	// Error is the failure's message and ErrorCode its k6 error code. A
	// 4xx/5xx status also sets ErrorCode (1000 + status) but not Error.
	Error     string
	ErrorCode int
	// Timings are those of the last redirect hop.
	Timings Timings
	// Request describes the last request sent.
	Request RequestInfo

	err error
}

// Err returns the request's failure as an *Error (nil when a response arrived).
// A 4xx/5xx status is not a failure.
func (r *Response) Err() error {
	if r == nil || r.err == nil {
		return nil
	}
	return r.err
}

// Cookies parses the Set-Cookie headers of the response.
func (r *Response) Cookies() []*http.Cookie {
	if len(r.Header["Set-Cookie"]) == 0 {
		return nil
	}
	return (&http.Response{Header: r.Header}).Cookies()
}
