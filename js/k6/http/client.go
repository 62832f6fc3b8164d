package http

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

// DefaultUserAgent is the User-Agent sent when the userAgent option is unset.
// The CLI sets it to "stampede/<version>" at start-up, before any VU runs.
var DefaultUserAgent = "stampede/dev"

// Client sends one VU's requests through the VU's transport and cookie jar,
// and records each request's samples (every http_req_* trend, http_reqs,
// http_req_failed, data_sent, data_received) in the VU's sample buffer, with
// k6's system tags. k6/http uses it for every request, so a Go module that
// sends requests through a Client gets exactly k6/http's behaviour.
//
// Get one with ClientFor. A Client is safe for concurrent use while the VU
// runs an iteration (or setup/teardown): Do may be called from goroutines a
// module starts for async work, as long as they finish before the iteration
// does (see modules.VU.RegisterCallback).
type Client struct {
	state  *modules.State
	t      *Transport
	bm     *metrics.BuiltinMetrics
	logger logrus.FieldLogger

	maxRedirects int
	throw        bool
	discard      bool
	debug        string // the httpDebug option: "", "headers" or "full" (debug.go)
	sys          sysTags
	// defaultHeader is the header of requests that set none: only the
	// User-Agent. Shared and never modified.
	defaultHeader http.Header

	trMu   sync.Mutex
	trFree []*tracer // tracers ready for reuse, each with its trace context

	addrMu   sync.Mutex
	lastAddr net.Addr // the peer of the last request, and its parts
	lastIP   string
	lastPort int

	derived atomic.Pointer[derivedHeader] // the last SharedHeader's prepared form
}

// ClientFor returns the VU's Client. Call it on the VU's goroutine while the
// VU runs (State() non-nil); in the init context it returns ErrInitContext.
//
// On the VU's first request it fills what the runtime left empty in the
// VU's State: Transport (a *Transport built by NewTransport from the
// options; a plain *http.Transport found there is replaced the same way,
// since it can neither count wire bytes nor apply the hosts option; any
// other RoundTripper is used as is, without data_sent/data_received),
// Dialer and CookieJar. At the first call of each new iteration it
// gives the VU a fresh cookie jar (unless noCookiesReset, or the runtime
// manages State.CookieJar itself) and, with noVUConnectionReuse, closes the
// VU's idle connections.
func ClientFor(vu modules.VU) (*Client, error) {
	state := vu.State()
	if state == nil {
		return nil, ErrInitContext
	}
	return clientForState(state)
}

// Do sends req for vu with the VU's context: ClientFor(vu) then Client.Do.
// Call it on the VU's goroutine.
func Do(vu modules.VU, req *Request) (*Response, error) {
	c, err := ClientFor(vu)
	if err != nil {
		return nil, err
	}
	return c.Do(vu.Context(), req)
}

func clientForState(state *modules.State) (*Client, error) {
	t, ok := state.Transport.(*Transport)
	if !ok {
		switch state.Transport.(type) {
		case nil, *http.Transport:
			// A plain *http.Transport cannot count bytes or apply the
			// hosts option: k6/http replaces it with its own.
			nt, err := NewTransport(state.Options)
			if err != nil {
				return nil, err
			}
			nt.bindVU(state.VUID)
			t = nt
			state.Dialer = t.dialer
		default:
			t = wrapTransport(state.Transport)
		}
		state.Transport = t
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.client
	if c == nil || c.state != state {
		c = newClient(state, t)
		t.client = c
	}
	t.startIteration(state)
	return c, nil
}

// startIteration notices a new iteration (or scenario) of the VU and resets
// the per-iteration HTTP state as k6 does. Called with t.mu held.
func (t *Transport) startIteration(state *modules.State) {
	if t.iterSeen && t.iter == state.Iteration && t.iterScen == state.Scenario {
		return
	}
	opts := state.Options
	if opts == nil {
		opts = &config.Options{}
	}
	if t.iterSeen && config.Bool(opts.NoVUConnectionReuse, false) {
		t.CloseIdleConnections()
	}
	own := t.ownJar != nil && state.CookieJar == http.CookieJar(t.ownJar)
	// A jar nobody has put a cookie in, or handed out, is as good as a new one.
	resetJar := t.iterSeen && own && t.ownJar.dirty.Load() && !config.Bool(opts.NoCookiesReset, false)
	if state.CookieJar == nil || resetJar {
		jar := newVUJar()
		state.CookieJar = jar
		t.ownJar = jar
	}
	t.iterSeen, t.iter, t.iterScen = true, state.Iteration, state.Scenario
}

// vuJar is the cookie jar k6/http gives a VU: a cookiejar.Jar that knows
// whether it may hold a cookie. A jar still clean at the end of an
// iteration is kept for the next one instead of being replaced, and while
// it is clean a request does not look cookies up.
type vuJar struct {
	*cookiejar.Jar
	// dirty: a cookie was set, or the jar was handed to the script (which
	// may keep it past the iteration).
	dirty atomic.Bool
}

func newVUJar() *vuJar {
	j, _ := cookiejar.New(nil) // never fails without options
	return &vuJar{Jar: j}
}

// SetCookies stores cookies for u (http.CookieJar).
func (j *vuJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if len(cookies) > 0 {
		j.dirty.Store(true)
	}
	j.Jar.SetCookies(u, cookies)
}

// Cookies returns the cookies to send to u (http.CookieJar).
func (j *vuJar) Cookies(u *url.URL) []*http.Cookie {
	if !j.dirty.Load() {
		return nil
	}
	return j.Jar.Cookies(u)
}

func newClient(state *modules.State, t *Transport) *Client {
	opts := state.Options
	if opts == nil {
		opts = &config.Options{}
	}
	c := &Client{
		state:        state,
		t:            t,
		bm:           state.BuiltinMetrics,
		logger:       state.Logger,
		maxRedirects: int(config.Int(opts.MaxRedirects, config.DefaultMaxRedirects)),
		throw:        config.Bool(opts.Throw, false),
		discard:      config.Bool(opts.DiscardResponseBodies, false),
		debug:        config.String(opts.HTTPDebug, ""),
		sys:          systemTagsFrom(state.SystemTags),
		defaultHeader: http.Header{
			"User-Agent": []string{config.String(opts.UserAgent, DefaultUserAgent)},
		},
	}
	if c.logger == nil {
		l := logrus.New()
		l.SetOutput(discardWriter{})
		c.logger = l
	}
	return c
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// Throw reports whether the throw option is set (request failures become errors).
func (c *Client) Throw() bool { return c.throw }

// Do sends req and returns its Response. Every hop (redirects, the digest
// challenge) is sent through the VU's transport and jar and records its
// samples, exactly as a k6/http request does.
//
// Errors: a request that cannot be sent (bad URL or method, unknown
// compression) returns a nil Response and an error wrapping
// ErrInvalidRequest; nothing is recorded. A request that fails on the way
// (refused, reset, timeout, TLS, body decoding) returns a Response with Error
// and ErrorCode set and a nil error, unless the throw option is set: then the
// error is the *Error (Response.Err()) as well. ctx cancellation (the VU
// stopping) fails the request without recording samples.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	resp := &Response{}
	if err := c.doInto(ctx, req, resp); err != nil {
		if resp.err == nil {
			return nil, err
		}
		return resp, err
	}
	return resp, nil
}

// doInto is Do filling resp (a zero Response); an error with resp.err
// unset means nothing was sent.
func (c *Client) doInto(ctx context.Context, req *Request, resp *Response) error {
	var p prepared
	if err := c.prepare(req, &p); err != nil {
		return err
	}
	c.run(ctx, &p, resp)
	if resp.err != nil && c.throw {
		return resp.err
	}
	return nil
}

// completeHeader makes h, the request's own copy, a prepared header: the
// Host header taken out (returned), the User-Agent option added.
func (c *Client) completeHeader(h http.Header) (host string) {
	if hv, ok := h["Host"]; ok {
		if len(hv) > 0 {
			host = hv[0]
		}
		delete(h, "Host")
	}
	if _, ok := h["User-Agent"]; !ok {
		// An empty userAgent option means no User-Agent at all; Go
		// sends none for a present-but-empty header.
		h["User-Agent"] = c.defaultHeader["User-Agent"]
	}
	return host
}

// canonicalCopy copies src with canonical keys (the values are shared,
// never modified), with room for the headers prepare adds.
func canonicalCopy(src http.Header) http.Header {
	h := make(http.Header, len(src)+2)
	for k, v := range src {
		h[http.CanonicalHeaderKey(k)] = v
	}
	return h
}

// derivedHeader is a prepared header and host made from a SharedHeader.
type derivedHeader struct {
	src  http.Header // kept, so that no other map can take its address
	h    http.Header
	host string
}

// sharedHeader returns the prepared header and host of src, a
// SharedHeader: the last one made when src is the same map again.
func (c *Client) sharedHeader(src http.Header) (http.Header, string) {
	if d := c.derived.Load(); d != nil && reflect.ValueOf(d.src).UnsafePointer() == reflect.ValueOf(src).UnsafePointer() {
		return d.h, d.host
	}
	h := canonicalCopy(src)
	d := &derivedHeader{src: src, h: h}
	d.host = c.completeHeader(h)
	c.derived.Store(d)
	return d.h, d.host
}

// prepared is a Request validated and ready for the wire.
type prepared struct {
	// From the Request (not kept itself, so a caller's Request can stay
	// on its stack).
	name    string
	tags    map[string]string
	cookies []RequestCookie
	auth    AuthMethod

	method    string
	url       *url.URL // credentials removed
	urlStr    string   // url tag / response URL of the first hop (credentials masked)
	header    http.Header
	host      string // Host header override
	body      []byte
	user      string
	pass      string
	hasCreds  bool
	timeout   time.Duration
	keepBody  bool
	redirects int
	callback  func(int) bool
	jar       http.CookieJar
}

func (c *Client) prepare(req *Request, p *prepared) error {
	if req == nil {
		return fmt.Errorf("%w: nil request", ErrInvalidRequest)
	}
	*p = prepared{name: req.Name, tags: req.Tags, cookies: req.Cookies, auth: req.Auth, method: req.Method, body: req.Body}
	if p.method == "" {
		p.method = http.MethodGet
	}
	if !validMethod(p.method) {
		return fmt.Errorf("%w: method %q is not a valid HTTP method token", ErrInvalidRequest, p.method)
	}
	pu, err := c.t.parseURL(req.URL)
	if err != nil {
		return err
	}
	p.url, p.urlStr = pu.u, pu.str
	p.user, p.pass, p.hasCreds = pu.user, pu.pass, pu.hasCreds

	basic := p.hasCreds && req.Auth != AuthDigest
	compress := req.Compression != "" && len(p.body) > 0
	if len(req.Header) == 0 && !basic && !compress {
		p.header = c.defaultHeader // shared and read-only, like every prepared header
	} else if req.SharedHeader && !basic && !compress {
		p.header, p.host = c.sharedHeader(req.Header)
	} else {
		// A copy the request may change (values are shared, never modified).
		h := req.Header
		if !req.headerOwned {
			h = canonicalCopy(req.Header)
		}
		p.host = c.completeHeader(h)
		if compress {
			b, enc, err := compressBody(p.body, req.Compression)
			if err != nil {
				return fmt.Errorf("%w: compression: %w", ErrInvalidRequest, err)
			}
			p.body = b
			h["Content-Encoding"] = []string{enc}
		}
		if basic {
			h["Authorization"] = []string{basicAuth(p.user, p.pass)}
		}
		p.header = h
	}

	p.timeout = req.Timeout
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	switch req.ResponseType {
	case ResponseDefault:
		p.keepBody = !c.discard
	case ResponseText, ResponseBinary:
		p.keepBody = true
	case ResponseNone:
	default:
		return fmt.Errorf("%w: unknown response type %d", ErrInvalidRequest, req.ResponseType)
	}
	p.redirects = c.maxRedirects
	if req.Redirects != nil {
		p.redirects = max(*req.Redirects, 0)
	}
	if !req.NoResponseCallback {
		p.callback = req.ResponseCallback
		if p.callback == nil {
			p.callback = DefaultResponseCallback
		}
	}
	p.jar = req.Jar
	if p.jar == nil {
		p.jar = c.state.CookieJar
	}
	return nil
}

// hop is one request on the wire and what came back.
type hop struct {
	method   string
	url      *url.URL
	urlStr   string
	header   http.Header // what the hop sends before cookies are added
	sent     http.Header // what it sent
	body     []byte
	cookies  []RequestCookie
	resp     *http.Response
	respBody []byte
	err      *Error
	timings  Timings
	remote   net.Addr
	aborted  bool // the VU's context ended: nothing is recorded
}

// run sends p's request, following redirects and answering a digest
// challenge, and fills out. Its frame and send's stay small: the response
// is read at the bottom of the VU goroutine's deepest call chain, and a
// chain that fits in 8 KB lets every VU's stack stay at 8 KB (10,000 VUs:
// 80 MB less than at 16 KB). The work around each hop is in afterHop.
func (c *Client) run(ctx context.Context, p *prepared, out *Response) {
	if l := c.state.RPSLimiter; l != nil {
		// The rps option. An error means ctx ended: send then fails the
		// request the usual way.
		_ = l.Wait(ctx)
	}
	deadline := time.Now().Add(p.timeout)
	h := hop{method: p.method, url: p.url, urlStr: p.urlStr, header: p.header, body: p.body}
	var st hopState
	for {
		c.send(ctx, deadline, p, &h, st.redirects < p.redirects)
		if c.afterHop(p, &h, &st, out) {
			return
		}
	}
}

// hopState is what run carries from one hop to the next.
type hopState struct {
	redirects  int
	digestSent bool
}

// afterHop records the hop that send completed and either fills out (true)
// or turns h into the next hop. Redirects and digest challenges, which
// need more stack, are handled by nextHop.
func (c *Client) afterHop(p *prepared, h *hop, st *hopState, out *Response) bool {
	if h.err == nil {
		status := h.resp.StatusCode
		if isRedirect(status) || (p.auth == AuthDigest && status == http.StatusUnauthorized) {
			return c.nextHop(p, h, st, out)
		}
	}
	if !h.aborted {
		c.record(p, h, false)
	}
	c.response(h, p, out)
	return true
}

// nextHop handles a redirect or a digest challenge: it fills out (true)
// or turns h into the hop that follows the redirect or answers the
// challenge.
//
//go:noinline
func (c *Client) nextHop(p *prepared, h *hop, st *hopState, out *Response) bool {
	status := h.resp.StatusCode
	digestChallenge := p.auth == AuthDigest && p.hasCreds && !st.digestSent && status == http.StatusUnauthorized
	if digestChallenge {
		if auth, ok := digestAuthorization(h.resp.Header.Values("Www-Authenticate"), p.user, p.pass, h.method, h.url, p.body); ok {
			c.record(p, h, true)
			h.header = h.header.Clone()
			h.header["Authorization"] = []string{auth}
			st.digestSent = true
			h.cookies = nil
			return false
		}
	}
	c.record(p, h, false)
	if !isRedirect(status) {
		c.response(h, p, out)
		return true
	}
	loc := h.resp.Header.Get("Location")
	if loc == "" {
		c.response(h, p, out)
		return true
	}
	if st.redirects >= p.redirects {
		if p.redirects > 0 {
			c.logger.WithField("url", h.urlStr).Warnf("Stopped after %d redirects and returned the redirection; pass { redirects: n } in request params or set global maxRedirects to avoid this", st.redirects)
		}
		c.response(h, p, out)
		return true
	}
	next, err := h.url.Parse(loc)
	if err != nil || (next.Scheme != "http" && next.Scheme != "https") {
		if err == nil {
			err = fmt.Errorf("unsupported protocol scheme %q", next.Scheme)
		}
		h.err = &Error{Code: CodeInvalidURL, Err: err, msg: fmt.Sprintf("failed to follow redirect to %q: %v", loc, err)}
		c.response(h, p, out)
		return true
	}
	st.redirects++
	*h = c.redirectHop(p, h, next, status)
	return false
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// redirectHop builds the next hop the way Go's http.Client does: 301, 302
// and 303 turn into a GET (HEAD stays HEAD) without a body, 307 and 308
// repeat method and body; credentials and cookies set by hand are not sent
// to another domain; Referer is set unless leaving HTTPS for HTTP.
func (c *Client) redirectHop(p *prepared, prev *hop, next *url.URL, status int) hop {
	if next.User != nil {
		next.User = nil
	}
	h := hop{method: prev.method, url: next, urlStr: next.String(), body: prev.body}
	header := prev.header.Clone()
	if status != http.StatusTemporaryRedirect && status != http.StatusPermanentRedirect {
		if h.method != http.MethodGet && h.method != http.MethodHead {
			h.method = http.MethodGet
		}
		h.body = nil
		delete(header, "Content-Type")
		delete(header, "Content-Encoding")
	}
	if !sameOrSubdomain(prev.url.Hostname(), next.Hostname()) {
		for _, k := range []string{"Authorization", "Www-Authenticate", "Cookie", "Cookie2"} {
			delete(header, k)
		}
	}
	if prev.url.Scheme == "https" && next.Scheme == "http" {
		delete(header, "Referer")
	} else {
		ref := *prev.url
		ref.Fragment = ""
		header["Referer"] = []string{ref.String()}
	}
	h.header = header
	return h
}

// sameOrSubdomain reports whether sub is domain or one of its subdomains
// (Go's rule for keeping sensitive headers on redirect).
func sameOrSubdomain(domain, sub string) bool {
	domain, sub = strings.ToLower(domain), strings.ToLower(sub)
	if domain == sub {
		return true
	}
	return strings.HasSuffix(sub, "."+domain)
}

// send puts one hop on the wire and reads its response. The request is
// built (hopRequest) and the response's aftermath handled (finishHop) in
// functions of their own, so that send's frame, under which the response
// is read, stays small.
func (c *Client) send(parent context.Context, deadline time.Time, p *prepared, h *hop, followable bool) {
	tr := c.getTracer(parent)
	// The request's timeout covers every hop: each hop gets what is left.
	ctx := tr.arm(deadline)
	h.sent = c.hopHeader(p, h)
	hreq := c.hopRequest(ctx, p, h)
	var (
		resp *http.Response
		err  error
		hc   *h1Conn // the connection of the plain-HTTP/1.1 path
	)
	if c.t.h1Eligible(hreq, tr) {
		resp, hc, err = c.t.roundTripH1(tr, hreq, h.body)
	} else {
		resp, err = c.t.RoundTrip(hreq)
	}
	if err != nil {
		h.timings = tr.timings(time.Since(tr.start))
		h.remote = tr.remote
		h.err, h.aborted = c.failure(ctx, err)
		c.putTracer(tr)
		return
	}
	h.resp = resp
	status := resp.StatusCode
	willFollow := followable && isRedirect(status) && resp.Header.Get("Location") != ""
	keep := p.keepBody && !willFollow
	if hreq.Method == http.MethodHead || resp.Body == http.NoBody {
		if keep {
			h.respBody = []byte{}
		}
	} else {
		h.respBody, err = readBody(resp.Body, resp.ContentLength, contentEncoding(resp.Header), keep)
	}
	if hc != nil {
		c.t.doneH1(tr, hc, resp, err == nil)
	} else {
		_ = resp.Body.Close()
	}
	c.finishHop(ctx, tr, p, h, err)
}

// hopRequest builds the request of hop h, whose header is h.sent.
//
//go:noinline
func (c *Client) hopRequest(ctx context.Context, p *prepared, h *hop) *http.Request {
	host := h.url.Host
	if p.host != "" && strings.EqualFold(h.url.Host, p.url.Host) {
		host = p.host
	}
	r := http.Request{
		Method: h.method, URL: h.url, Host: host, Header: h.sent,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
	if len(h.body) > 0 {
		body := h.body
		r.ContentLength = int64(len(body))
		r.Body = newBodyReader(body)
		r.GetBody = func() (io.ReadCloser, error) { return newBodyReader(body), nil }
	}
	hreq := r.WithContext(ctx)
	if c.debug != "" {
		c.logRequest(hreq, h.body)
	}
	return hreq
}

// finishHop completes h once its response is read (err: reading its body
// failed): timings, debug output, cookies for the jar.
//
//go:noinline
func (c *Client) finishHop(ctx context.Context, tr *tracer, p *prepared, h *hop, err error) {
	resp := h.resp
	h.timings = tr.timings(time.Since(tr.start))
	h.remote = tr.remote
	if c.debug != "" {
		c.logResponse(resp, h.respBody)
	}
	if err != nil {
		h.err, h.aborted = c.failure(ctx, err)
	}
	c.putTracer(tr)
	if sc := resp.Header["Set-Cookie"]; len(sc) > 0 && p.jar != nil {
		if cookies := resp.Cookies(); len(cookies) > 0 {
			p.jar.SetCookies(h.url, cookies)
		}
	}
}

func contentEncoding(h http.Header) string {
	if v := h["Content-Encoding"]; len(v) > 0 {
		if len(v) == 1 {
			return v[0]
		}
		return strings.Join(v, ",")
	}
	return ""
}

// getTracer returns a tracer for one hop, its trace context derived from
// parent. A VU's requests mostly go one after the other, so a tracer is
// reused with its trace and request contexts while the parent stays the
// same.
func (c *Client) getTracer(parent context.Context) *tracer {
	if httptrace.ContextClientTrace(parent) != nil {
		// The caller traces too: compose with a tracer of our own, not reused.
		tr := newTracer()
		tr.noReuse = true
		tr.parent = parent
		tr.ctx = httptrace.WithClientTrace(parent, &tr.trace)
		tr.start = time.Now()
		return tr
	}
	var tr *tracer
	c.trMu.Lock()
	if n := len(c.trFree); n > 0 {
		tr = c.trFree[n-1]
		c.trFree = c.trFree[:n-1]
	}
	c.trMu.Unlock()
	if tr == nil {
		tr = newTracer()
	}
	if tr.parent != parent {
		tr.release()
		tr.parent = parent
		tr.ctx = httptrace.WithClientTrace(parent, &tr.trace)
	}
	tr.start = time.Now()
	return tr
}

// maxFreeTracers bounds a Client's tracer free list (batch makes many).
const maxFreeTracers = 32

// putTracer ends a hop: it stops the hop's deadline and keeps the tracer
// for the next hop when that is safe. Call it once the hop's context is no
// longer needed (the body is read and failures classified).
func (c *Client) putTracer(tr *tracer) {
	tr.disarm()
	if tr.noReuse || !tr.reset() {
		tr.release()
		return
	}
	c.trMu.Lock()
	if len(c.trFree) < maxFreeTracers {
		c.trFree = append(c.trFree, tr)
		tr = nil
	}
	c.trMu.Unlock()
	if tr != nil {
		tr.release()
	}
}

// addrParts splits a peer address into IP and port, remembering the last
// one: a VU's requests mostly reuse one connection, whose address is the
// same value every time.
func (c *Client) addrParts(a net.Addr) (string, int) {
	c.addrMu.Lock()
	defer c.addrMu.Unlock()
	if a != c.lastAddr {
		c.lastAddr = a
		c.lastIP, c.lastPort = splitAddr(a)
	}
	return c.lastIP, c.lastPort
}

// failure turns a transport error into k6's error, telling the request's
// own timeout apart from the VU's context ending.
func (c *Client) failure(ctx context.Context, err error) (e *Error, aborted bool) {
	if ctx.Err() != nil {
		if errors.Is(context.Cause(ctx), errRequestTimeout) {
			return &Error{Code: CodeRequestTimeout, Err: errRequestTimeout, msg: errRequestTimeout.Error()}, false
		}
		cause := context.Cause(ctx)
		return &Error{Code: CodeGeneric, Err: cause, msg: cause.Error()}, true
	}
	return classify(err), false
}

// hopHeader returns the header to send for h: the prepared header, plus the
// jar's and the request's cookies. It copies only when cookies are added.
func (c *Client) hopHeader(p *prepared, h *hop) http.Header {
	var jarCookies []*http.Cookie
	if p.jar != nil {
		jarCookies = p.jar.Cookies(h.url)
	}
	// The request's own cookies go to its host (and subdomains) only, like
	// a Cookie header set by hand on a redirect.
	reqCookies := p.cookies
	if len(reqCookies) > 0 && h.url != p.url && !sameOrSubdomain(p.url.Hostname(), h.url.Hostname()) {
		reqCookies = nil
	}
	if len(jarCookies) == 0 && len(reqCookies) == 0 {
		h.cookies = nil
		return h.header
	}
	return h.withCookies(jarCookies, reqCookies)
}

// withCookies returns h's header with a Cookie header for the cookies of
// the jar and of the request (a function of its own to keep hopHeader's
// frame small: see Client.run).
//
//go:noinline
func (h *hop) withCookies(jarCookies []*http.Cookie, reqCookies []RequestCookie) http.Header {
	cookies := make([]RequestCookie, 0, len(jarCookies)+len(reqCookies))
	for _, jc := range jarCookies {
		replaced := false
		for _, rc := range reqCookies {
			if rc.Replace && rc.Name == jc.Name {
				replaced = true
				break
			}
		}
		if !replaced {
			cookies = append(cookies, RequestCookie{Name: jc.Name, Value: jc.Value})
		}
	}
	cookies = append(cookies, reqCookies...)
	h.cookies = cookies

	var b strings.Builder
	if existing := h.header.Get("Cookie"); existing != "" {
		b.WriteString(existing)
	}
	for _, ck := range cookies {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString((&http.Cookie{Name: ck.Name, Value: ck.Value}).String())
	}
	header := h.header.Clone()
	header["Cookie"] = []string{b.String()}
	return header
}

// response fills r (a zero Response) with the last hop's.
func (c *Client) response(h *hop, _ *prepared, r *Response) {
	*r = Response{
		URL:     h.urlStr,
		Timings: h.timings,
		Body:    h.respBody,
		Request: RequestInfo{Method: h.method, URL: h.urlStr, Header: h.sent, Body: h.body, Cookies: h.cookies},
	}
	if h.resp != nil {
		r.Status = h.resp.StatusCode
		r.StatusText = h.resp.Status
		r.Proto = h.resp.Proto
		r.Header = h.resp.Header
		if st := h.resp.TLS; st != nil {
			r.TLSVersion = tlsVersionName(st.Version)
			r.TLSCipherSuite = tlsCipherSuiteName(st.CipherSuite)
		}
		if r.Status >= 400 && r.Status < 600 {
			r.ErrorCode = 1000 + r.Status
		}
	}
	if h.remote != nil {
		r.RemoteIP, r.RemotePort = c.addrParts(h.remote)
	}
	if h.err != nil {
		r.Error = h.err.msg
		r.ErrorCode = h.err.Code
		r.err = h.err
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
}

func splitAddr(a net.Addr) (string, int) {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.String(), tcp.Port
	}
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String(), 0
	}
	n := 0
	for _, ch := range port {
		if ch < '0' || ch > '9' {
			return host, 0
		}
		n = n*10 + int(ch-'0')
	}
	return host, n
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		ch := m[i]
		if ch <= ' ' || ch >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", ch) >= 0 {
			return false
		}
	}
	return true
}

// maskedURL renders u with its credentials replaced by ****, as the url
// tag and response URL show them.
func maskedURL(u *url.URL) string {
	m := *u
	m.User = nil
	s := m.String()
	mask := "****@"
	if _, ok := u.User.Password(); ok {
		mask = "****:****@"
	}
	if i := strings.Index(s, "://"); i >= 0 {
		return s[:i+3] + mask + s[i+3:]
	}
	return s
}

// bodyReader sends a request body without copying it.
type bodyReader struct{ bytes.Reader }

// Close does nothing: the body is a byte slice.
func (*bodyReader) Close() error { return nil }

func newBodyReader(b []byte) *bodyReader {
	r := &bodyReader{}
	r.Reset(b)
	return r
}
