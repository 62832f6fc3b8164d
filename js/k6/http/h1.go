package http

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// The plain-HTTP/1.1 path.
//
// net/http's Transport runs two goroutines per connection (readLoop and
// writeLoop) and hands every request and response between them and the
// caller through channels: about five goroutine switches per request, which
// is most of the client's cost on a fast loopback target. A VU sends one
// request at a time and waits for it, so for plain http:// requests without
// a proxy the Transport writes the request and reads the response on the
// VU's own goroutine over its own pool of kept-alive connections, with
// net/http's own wire code (Request.Write, ReadResponse) so the bytes on the
// wire are the same. Everything else (https, HTTP/2, proxies, large request
// bodies, a caller's own httptrace) goes through net/http's Transport.

// h1MaxBody is the largest request body sent on the VU's goroutine: a body
// that fits in the socket's send buffer is written whole even if the server
// answers (and stops reading) early, as net/http's concurrent writer allows.
const h1MaxBody = 16 << 10

// h1Disabled turns the path off (STAMPEDE_HTTP1_NETHTTP=1), for comparisons.
var h1Disabled = os.Getenv("STAMPEDE_HTTP1_NETHTTP") != ""

// errH1TooMany1xx ends a response that never gets past informational statuses.
var errH1TooMany1xx = errors.New("net/http: too many 1xx informational responses")

// max1xx bounds the informational responses skipped before the final one.
const max1xx = 64

// aLongTimeAgo is a deadline that makes pending reads and writes fail at once.
var aLongTimeAgo = time.Unix(1, 0)

// h1Conn is one kept-alive connection of the plain-HTTP/1.1 path.
type h1Conn struct {
	conn   net.Conn        // a *countingConn
	raw    syscall.RawConn // conn's, for readFirst (unix)
	fd     int             // >= 0 while readFirst reads the descriptor itself
	br     *bufio.Reader   // from the response's first byte to its end (takeReader)
	bw     *bufio.Writer   // while the request is written (takeWriter)
	key    string          // the URL's host[:port], the pool key
	idleAt time.Time
	one    [1]byte // for the end-of-body check
	// limit is what may still be read: a response's header is bounded
	// like net/http's (MaxResponseHeaderBytes), its body is not.
	limit int64
	// tryRead (hc.tryFirstRead, made once) and firstErr serve readFirst.
	tryRead  func(fd uintptr) bool
	firstErr error
}

// Read reads from the connection within the limit (br reads through it).
func (hc *h1Conn) Read(p []byte) (int, error) {
	if hc.limit <= 0 {
		return 0, errH1HeaderTooLarge
	}
	if int64(len(p)) > hc.limit {
		p = p[:hc.limit]
	}
	if hc.fd >= 0 {
		return hc.readFD(p)
	}
	n, err := hc.conn.Read(p)
	hc.limit -= int64(n)
	return n, err
}

// The read and write buffers of connections with a request under way. A
// connection holds its write buffer only while it writes the request and
// its read buffer only once the response has begun to arrive: neither
// while the VU thinks, nor while the server works on the request. At
// 10,000 VUs against a slow server thousands of requests wait for their
// response at once, and each would otherwise hold 8 KB; the requests being
// written or read at any moment share a few buffers.
var (
	h1Readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}
	h1Writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}
)

// takeWriter gives hc a write buffer for a request.
func (hc *h1Conn) takeWriter() {
	if hc.bw == nil {
		hc.bw = h1Writers.Get().(*bufio.Writer)
		hc.bw.Reset(hc.conn)
	}
}

// releaseWriter hands hc's write buffer back once the request is sent.
func (hc *h1Conn) releaseWriter() {
	if hc.bw != nil {
		hc.bw.Reset(nil)
		h1Writers.Put(hc.bw)
		hc.bw = nil
	}
}

// takeReader gives hc a read buffer for a response.
func (hc *h1Conn) takeReader() {
	if hc.br == nil {
		hc.br = h1Readers.Get().(*bufio.Reader)
		hc.br.Reset(hc)
	}
}

// releaseBuffers hands hc's buffers back when its request is over.
func (hc *h1Conn) releaseBuffers() {
	hc.releaseWriter()
	hc.releaseReader()
}

// releaseReader hands hc's read buffer back.
func (hc *h1Conn) releaseReader() {
	if hc.br != nil {
		hc.br.Reset(nil)
		h1Readers.Put(hc.br)
		hc.br = nil
	}
}

// close closes hc's connection and releases its buffers.
func (hc *h1Conn) close() {
	_ = hc.conn.Close()
	hc.releaseBuffers()
}

// h1MaxHeader is net/http's default bound on a response's header.
const h1MaxHeader = 10 << 20

var errH1HeaderTooLarge = errors.New("net/http: server response headers exceeded " + strconv.Itoa(h1MaxHeader) + " bytes; aborted")

// h1Pool holds a VU's idle connections per host.
type h1Pool struct {
	mu    sync.Mutex
	idle  map[string][]*h1Conn
	swept time.Time // when expired connections to other hosts were last closed
}

// h1Eligible reports whether r can take the plain-HTTP/1.1 path.
func (t *Transport) h1Eligible(r *http.Request, tr *tracer) bool {
	if t.opts == nil || !t.h1 || tr.noReuse || r.URL.Scheme != "http" || r.ContentLength > h1MaxBody {
		return false
	}
	h := r.URL.Host
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 { // net/http converts IDNs to punycode
			return false
		}
	}
	return h != ""
}

// getIdle takes an idle connection to key, closing the ones that expired.
func (t *Transport) getIdle(key string, now time.Time, mustBeAlive bool) *h1Conn {
	p := &t.h1Pool
	for {
		p.mu.Lock()
		list := p.idle[key]
		n := len(list)
		if n == 0 {
			p.mu.Unlock()
			return nil
		}
		hc := list[n-1]
		list[n-1] = nil
		p.idle[key] = list[:n-1]
		p.mu.Unlock()
		if now.Sub(hc.idleAt) > t.idleTimeout || (mustBeAlive && !connAlive(hc.conn)) {
			_ = hc.conn.Close()
			continue
		}
		return hc
	}
}

// putIdle keeps hc for the next request to its host, or closes it.
func (t *Transport) putIdle(hc *h1Conn) {
	now := time.Now()
	hc.idleAt = now
	p := &t.h1Pool
	p.mu.Lock()
	if p.idle == nil {
		p.idle = make(map[string][]*h1Conn, 1)
	}
	list := p.idle[hc.key]
	if len(list) < t.maxIdlePerHost {
		p.idle[hc.key] = append(list, hc)
		hc = nil
	}
	var expired []*h1Conn
	if len(p.idle) > 1 && now.Sub(p.swept) > time.Second {
		// Connections to hosts the VU no longer calls would otherwise
		// stay open until the VU ends; net/http closes them on a timer.
		p.swept = now
		for key, list := range p.idle {
			kept := list[:0]
			for _, c := range list {
				if now.Sub(c.idleAt) > t.idleTimeout {
					expired = append(expired, c)
				} else {
					kept = append(kept, c)
				}
			}
			clear(list[len(kept):])
			if len(kept) == 0 {
				delete(p.idle, key)
			} else {
				p.idle[key] = kept
			}
		}
	}
	p.mu.Unlock()
	if hc != nil {
		_ = hc.conn.Close()
	}
	for _, c := range expired {
		_ = c.conn.Close()
	}
}

// closeIdleH1 closes the idle connections of the plain-HTTP/1.1 path.
func (t *Transport) closeIdleH1() {
	p := &t.h1Pool
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, list := range idle {
		for _, hc := range list {
			_ = hc.conn.Close()
		}
	}
}

// dialH1 opens a new connection to r's host, reporting the dial to the
// tracer through ctx as net/http does.
func (t *Transport) dialH1(ctx context.Context, r *http.Request, key string) (*h1Conn, error) {
	addr := key
	if r.URL.Port() == "" {
		addr = net.JoinHostPort(r.URL.Hostname(), "80")
	}
	c, err := t.dialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &h1Conn{conn: c, key: key, fd: -1}, nil
}

// roundTripH1 sends r on the calling goroutine over a kept-alive
// connection (or a new one) and reads the response's header. The caller
// reads the body and then calls doneH1 with the connection returned.
//
// Like net/http, a request that fails on a reused connection before any
// of the response arrives is sent again on another connection when it is
// replayable (an idempotent method); a request that is not replayable is
// only sent on an idle connection that still looks open.
func (t *Transport) roundTripH1(tr *tracer, r *http.Request, body []byte) (*http.Response, *h1Conn, error) {
	ctx := r.Context()
	if msg := validateHeaders(r.Header); msg != "" {
		return nil, nil, errors.New("net/http: invalid header " + msg)
	}
	if t.noKeepAlives {
		r.Close = true
	}
	replayable := isReplayable(r)
	key := r.URL.Host
	tr.onGetConn(key)
	for {
		hc := t.getIdle(key, tr.start, !replayable)
		reused := hc != nil
		if !reused {
			var err error
			if hc, err = t.dialH1(ctx, r, key); err != nil {
				return nil, nil, err
			}
		}
		tr.onGotConn(httptrace.GotConnInfo{Conn: hc.conn, Reused: reused, WasIdle: reused})
		if !tr.attach(hc) {
			hc.close()
			return nil, nil, context.Cause(ctx)
		}
		resp, began, err := t.exchangeH1(tr, hc, r, body)
		if err == nil {
			return resp, hc, nil
		}
		tr.detach()
		hc.close()
		if !reused || !replayable || began || ctx.Err() != nil {
			return nil, nil, err
		}
		if r.GetBody != nil {
			body, gerr := r.GetBody()
			if gerr != nil {
				return nil, nil, err
			}
			r.Body = body
		}
		// Retry on another connection; the dial or reuse is traced again.
	}
}

// exchangeH1 writes r on hc and reads the response's header. began says
// the response had started to arrive when an error came (no retry then).
func (t *Transport) exchangeH1(tr *tracer, hc *h1Conn, r *http.Request, body []byte) (resp *http.Response, began bool, err error) {
	if err := writeH1(tr, hc, r, body); err != nil {
		return nil, false, err
	}
	hc.limit = h1MaxHeader
	// The read buffer comes with the response's first bytes (readFirst),
	// or here where that cannot be done.
	if err := hc.readFirst(); err != nil {
		return nil, false, err
	}
	hc.takeReader()
	if _, err := hc.br.Peek(1); err != nil {
		return nil, false, err
	}
	tr.onFirstByte()
	for n := 0; ; n++ {
		resp, err := http.ReadResponse(hc.br, r)
		if err != nil {
			if hc.limit <= 0 {
				err = errH1HeaderTooLarge
			}
			return nil, true, err
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			if n >= max1xx {
				return nil, true, errH1TooMany1xx
			}
			continue
		}
		if resp.StatusCode == http.StatusSwitchingProtocols {
			// The connection now speaks another protocol, which k6/http
			// does not: hand back the response without a body.
			resp.Body = http.NoBody
			resp.Close = true
		}
		hc.limit = math.MaxInt64
		return resp, true, nil
	}
}

// writeH1 writes r on hc through a write buffer it holds only meanwhile.
func writeH1(tr *tracer, hc *h1Conn, r *http.Request, body []byte) error {
	hc.takeWriter()
	defer hc.releaseWriter()
	if writeRequestH1(hc.bw, r, tr.requestURI(r.URL), body) {
		err := hc.bw.Flush()
		tr.onWroteRequest(httptrace.WroteRequestInfo{Err: err})
		return err
	}
	if err := r.Write(hc.bw); err != nil { // reports WroteRequest itself
		return err
	}
	return hc.bw.Flush()
}

// doneH1 ends a response of the plain-HTTP/1.1 path: hc goes back to the
// pool when the body was read to its end (ok) and neither side asked to
// close, and is closed otherwise.
func (t *Transport) doneH1(tr *tracer, hc *h1Conn, resp *http.Response, ok bool) {
	if ok {
		// A decoder may stop before the body's end: only a body read to
		// its end leaves the connection at the next response.
		n, err := resp.Body.Read(hc.one[:])
		ok = n == 0 && err == io.EOF
	}
	interrupted := tr.detach()
	// Bytes past the response (a server that sent more than it announced)
	// would be read as the next response: such a connection is not kept.
	if ok && !interrupted && hc.br.Buffered() == 0 && !resp.Close && !resp.Request.Close && !t.noKeepAlives && !headerWantsClose(resp.Request.Header) {
		hc.releaseBuffers()
		t.putIdle(hc)
		return
	}
	hc.close()
}

// headerWantsClose reports a request header "Connection: close".
func headerWantsClose(h http.Header) bool {
	for _, v := range h["Connection"] {
		if hasToken(v, "close") {
			return true
		}
	}
	return false
}

// hasToken reports whether the comma-separated list v holds token
// (case-insensitively).
func hasToken(v, token string) bool {
	for len(v) > 0 {
		var part string
		if i := indexByte(v, ','); i >= 0 {
			part, v = v[:i], v[i+1:]
		} else {
			part, v = v, ""
		}
		part = trimOWS(part)
		if len(part) == len(token) && equalFoldASCII(part, token) {
			return true
		}
	}
	return false
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// isReplayable is net/http's rule for sending a request again after its
// connection failed: an idempotent method (or an Idempotency-Key header)
// and a body that can be produced again.
func isReplayable(r *http.Request) bool {
	if r.Body != nil && r.Body != http.NoBody && r.GetBody == nil {
		return false
	}
	switch r.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	_, k1 := r.Header["Idempotency-Key"]
	_, k2 := r.Header["X-Idempotency-Key"]
	return k1 || k2
}

// validateHeaders checks header names and values as net/http's Transport
// does before sending; it returns "" or what is wrong.
func validateHeaders(h http.Header) string {
	for k, vv := range h {
		if !validHeaderName(k) {
			return "field name " + strconv.Quote(k)
		}
		for _, v := range vv {
			if !validHeaderValue(v) {
				// The value may be sensitive: not in the message.
				return "field value for " + strconv.Quote(k)
			}
		}
	}
	return ""
}

// validHeaderName: a non-empty RFC 7230 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || !isTokenChar[c] {
			return false
		}
	}
	return true
}

// validHeaderValue: no control characters other than tab.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

var isTokenChar = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// defaultGoUserAgent is what net/http sends when a request has no
// User-Agent header at all.
const defaultGoUserAgent = "Go-http-client/1.1"

// writeRequestH1 writes r (whose body is body) as Request.Write would,
// byte for byte, without its formatting allocations; false means r has a
// shape it leaves to Request.Write (trailers, transfer codings, an unusual
// Host or request URI, a Connection header next to Close).
func writeRequestH1(bw *bufio.Writer, r *http.Request, ruri string, body []byte) bool {
	if r.Trailer != nil || len(r.TransferEncoding) > 0 || int64(len(body)) != r.ContentLength {
		return false
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if !plainHost(host) || !plainRequestURI(ruri) {
		return false
	}
	if _, ok := r.Header["Connection"]; ok && r.Close {
		return false
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	bw.WriteString(method)
	bw.WriteByte(' ')
	bw.WriteString(ruri)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	ua := defaultGoUserAgent
	if v, ok := r.Header["User-Agent"]; ok {
		ua = ""
		if len(v) > 0 {
			ua = textproto.TrimString(v[0])
		}
	}
	if ua != "" {
		bw.WriteString("User-Agent: ")
		bw.WriteString(ua)
		bw.WriteString("\r\n")
	}
	if r.Close {
		bw.WriteString("Connection: close\r\n")
	}
	// Request.Write's rule: an empty body is announced for POST, PUT and
	// PATCH only.
	if len(body) > 0 || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		var num [20]byte
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(num[:0], int64(len(body)), 10))
		bw.WriteString("\r\n")
	}
	// The other headers, sorted by key (Header.Write's order).
	var arr [16]string
	keys := arr[:0]
	for k := range r.Header {
		switch k {
		case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(textproto.TrimString(v))
			bw.WriteString("\r\n")
		}
	}
	bw.WriteString("\r\n")
	bw.Write(body)
	return true
}

// plainHost reports a Host value Request.Write sends unchanged: ASCII
// letters, digits and . - _ : [ ] (no IPv6 zone, nothing to punycode,
// nothing its Host check would blank).
func plainHost(h string) bool {
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '-', c == '_', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}

// plainRequestURI reports a request URI without control characters (which
// Request.Write refuses).
func plainRequestURI(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			return false
		}
	}
	return s != ""
}
