package http

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stampede-load/stampede/js/modulestest"
)

// rawServer answers HTTP/1.1 requests with whatever reply writes, on plain
// TCP, so tests can misbehave in ways net/http's server would not.
type rawServer struct {
	URL     string
	conns   atomic.Int64 // connections accepted
	reqs    atomic.Int64 // requests read
	ln      net.Listener
	wg      sync.WaitGroup
	mu      sync.Mutex
	open    []net.Conn
	headers []http.Header
}

// reply answers req (the n-th on its connection, from 0) and says whether
// to keep the connection open.
type replyFunc func(w *bufio.Writer, req *http.Request, n int) bool

func newRawServer(t *testing.T, reply replyFunc) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{URL: "http://" + ln.Addr().String(), ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			s.mu.Lock()
			s.open = append(s.open, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				br, bw := bufio.NewReader(c), bufio.NewWriter(c)
				for n := 0; ; n++ {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					s.reqs.Add(1)
					s.mu.Lock()
					s.headers = append(s.headers, req.Header.Clone())
					s.mu.Unlock()
					keep := reply(bw, req, n)
					if bw.Flush() != nil || !keep {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		s.mu.Lock()
		for _, c := range s.open {
			_ = c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func writeOK(w *bufio.Writer, body string, extra string) {
	_, _ = w.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + extra +
		"Content-Length: " + itoa(len(body)) + "\r\n\r\n" + body)
}

func h1Client(t *testing.T, srvURL string) (*Client, func(*Request) *Response) {
	t.Helper()
	_, c, do := h1ClientVU(t, srvURL)
	return c, do
}

// h1ClientVU is h1Client with the VU's runtime, whose samples a test reads.
func h1ClientVU(t *testing.T, srvURL string) (*modulestest.Runtime, *Client, func(*Request) *Response) {
	t.Helper()
	rt, _ := newVU(t, srvURL, nil)
	c, err := ClientFor(rt.VU())
	if err != nil {
		t.Fatal(err)
	}
	if !c.t.h1 {
		t.Skip("the plain-HTTP/1.1 path is off (proxy or STAMPEDE_HTTP1_NETHTTP in the environment)")
	}
	do := func(r *Request) *Response {
		t.Helper()
		resp, err := c.Do(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	return rt, c, do
}

// TestH1StaleConnection: the server closes every connection after its
// response without saying so. A GET on the dead kept-alive connection is
// sent again on a new one; a POST is not sent on it at all.
func TestH1StaleConnection(t *testing.T) {
	srv := newRawServer(t, func(w *bufio.Writer, req *http.Request, _ int) bool {
		writeOK(w, "hi "+req.Method, "")
		return false
	})
	_, do := h1Client(t, srv.URL)
	for i := range 3 {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			time.Sleep(10 * time.Millisecond) // let the close arrive
			var body []byte
			if m == http.MethodPost {
				body = []byte("x")
			}
			resp := do(&Request{Method: m, URL: srv.URL + "/", Body: body})
			if resp.Error != "" || resp.Status != 200 || string(resp.Body) != "hi "+m {
				t.Fatalf("round %d %s: status %d error %q body %q", i, m, resp.Status, resp.Error, resp.Body)
			}
		}
	}
	if n := srv.reqs.Load(); n != 6 {
		t.Fatalf("server read %d requests, want 6 (a POST was sent twice, or a request got lost)", n)
	}
}

// TestH1Reuse: one connection for a run of requests; a "Connection: close"
// from the server ends it, as noConnectionReuse does from the client.
func TestH1Reuse(t *testing.T) {
	srv := newRawServer(t, func(w *bufio.Writer, req *http.Request, n int) bool {
		if req.URL.Path == "/close" {
			writeOK(w, "bye", "Connection: close\r\n")
			return false
		}
		writeOK(w, "ok", "")
		return true
	})
	_, do := h1Client(t, srv.URL)
	for range 5 {
		if r := do(&Request{URL: srv.URL + "/"}); r.Status != 200 || string(r.Body) != "ok" {
			t.Fatalf("status %d body %q error %q", r.Status, r.Body, r.Error)
		}
	}
	if n := srv.conns.Load(); n != 1 {
		t.Fatalf("%d connections for 5 requests", n)
	}
	if r := do(&Request{URL: srv.URL + "/close"}); r.Status != 200 || string(r.Body) != "bye" {
		t.Fatalf("status %d body %q error %q", r.Status, r.Body, r.Error)
	}
	r := do(&Request{URL: srv.URL + "/"})
	if r.Status != 200 || r.Timings.Connecting == 0 && srv.conns.Load() != 2 {
		t.Fatalf("status %d, %d connections", r.Status, srv.conns.Load())
	}
	if n := srv.conns.Load(); n != 2 {
		t.Fatalf("%d connections after the server closed one, want 2", n)
	}
}

// TestH1Informational: 1xx responses before the final one are skipped.
func TestH1Informational(t *testing.T) {
	srv := newRawServer(t, func(w *bufio.Writer, _ *http.Request, _ int) bool {
		_, _ = w.WriteString("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n")
		writeOK(w, "final", "")
		return true
	})
	_, do := h1Client(t, srv.URL)
	for range 2 {
		r := do(&Request{Method: http.MethodPost, URL: srv.URL + "/", Body: []byte("b"), Header: http.Header{"Expect": {"100-continue"}}})
		if r.Status != 200 || string(r.Body) != "final" || r.Header.Get("Link") != "" {
			t.Fatalf("status %d body %q header %v error %q", r.Status, r.Body, r.Header, r.Error)
		}
	}
}

// TestH1BodyEnd: chunked bodies and HEAD answers leave the connection at
// the next response, so it is reused.
func TestH1BodyEnd(t *testing.T) {
	srv := newRawServer(t, func(w *bufio.Writer, req *http.Request, _ int) bool {
		switch req.URL.Path {
		case "/chunked":
			_, _ = w.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
		case "/head":
			_, _ = w.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
		default:
			writeOK(w, "ok", "")
		}
		return true
	})
	_, do := h1Client(t, srv.URL)
	if r := do(&Request{URL: srv.URL + "/chunked"}); string(r.Body) != "abcde" {
		t.Fatalf("chunked body %q error %q", r.Body, r.Error)
	}
	if r := do(&Request{Method: http.MethodHead, URL: srv.URL + "/head"}); r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("HEAD status %d body %q error %q", r.Status, r.Body, r.Error)
	}
	if r := do(&Request{URL: srv.URL + "/"}); string(r.Body) != "ok" {
		t.Fatalf("body %q error %q", r.Body, r.Error)
	}
	if n := srv.conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

// newOKServer answers every request 200 "ok".
func newOKServer(t *testing.T) *rawServer {
	return newRawServer(t, func(w *bufio.Writer, _ *http.Request, _ int) bool {
		writeOK(w, "ok", "")
		return true
	})
}

// TestH1InvalidHeader: header checks and their messages are net/http's.
func TestH1InvalidHeader(t *testing.T) {
	srv := newOKServer(t)
	_, do := h1Client(t, srv.URL)
	for _, tc := range []struct {
		h    http.Header
		want string
	}{
		{http.Header{"X-Bad": {"a\r\nInjected: 1"}}, `net/http: invalid header field value for "X-Bad"`},
		{http.Header{"Bad Name": {"v"}}, `net/http: invalid header field name "Bad Name"`},
	} {
		r := do(&Request{URL: srv.URL + "/", Header: tc.h})
		if r.Error != tc.want {
			t.Fatalf("error %q, want %q", r.Error, tc.want)
		}
		// net/http's Transport says the same.
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		req.Header = tc.h
		if _, err := (&http.Transport{}).RoundTrip(req); err == nil || err.Error() != tc.want {
			t.Fatalf("net/http: %v, want %q", err, tc.want)
		}
	}
	if n := srv.reqs.Load(); n != 0 {
		t.Fatalf("%d invalid requests reached the server", n)
	}
}

// TestH1SameWire: the path writes what net/http's Transport writes.
func TestH1SameWire(t *testing.T) {
	srv := newOKServer(t)
	c, do := h1Client(t, srv.URL)
	req := &Request{Method: http.MethodPost, URL: srv.URL + "/p?q=1", Body: []byte(`{"a":1}`),
		Header: http.Header{"Content-Type": {"application/json"}, "X-Multi": {"a", "b"}}}
	do(req)
	c.t.h1 = false
	do(req)
	c.t.h1 = true
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.headers) != 2 {
		t.Fatalf("%d requests", len(srv.headers))
	}
	a, b := srv.headers[0], srv.headers[1]
	if len(a) != len(b) {
		t.Fatalf("headers differ:\n%v\n%v", a, b)
	}
	for k, v := range b {
		if strings.Join(a[k], "|") != strings.Join(v, "|") {
			t.Fatalf("header %s: %q, net/http sent %q", k, a[k], v)
		}
	}
}

// TestH1LargeBodyUsesNetHTTP: a body over h1MaxBody is sent by net/http.
func TestH1LargeBodyUsesNetHTTP(t *testing.T) {
	srv := newTestServer(t, false)
	c, do := h1Client(t, srv.URL)
	r := do(&Request{Method: http.MethodPost, URL: srv.URL + "/post", Body: []byte("small")})
	if r.Status != 200 {
		t.Fatalf("status %d error %q", r.Status, r.Error)
	}
	// A VU that only takes the plain-HTTP/1.1 path never builds net/http's
	// transport (about 1 KB per VU).
	if c.t.base.Load() != nil {
		t.Fatal("net/http's transport was built for a plain request")
	}
	body := bytes.Repeat([]byte("z"), h1MaxBody+1)
	r = do(&Request{Method: http.MethodPost, URL: srv.URL + "/post", Body: body})
	if r.Status != 200 || !bytes.Contains(r.Body, body[:100]) {
		t.Fatalf("status %d error %q", r.Status, r.Error)
	}
	if c.t.base.Load() == nil {
		t.Fatal("the large body did not go through net/http's transport")
	}
}

// TestH1IdleExpiry: idle connections past IdleConnTimeout are not reused,
// and those to hosts the VU stopped calling are closed.
func TestH1IdleExpiry(t *testing.T) {
	reply := func(w *bufio.Writer, _ *http.Request, _ int) bool {
		writeOK(w, "ok", "")
		return true
	}
	a, b := newRawServer(t, reply), newRawServer(t, reply)
	c, do := h1Client(t, a.URL)
	c.t.idleTimeout = 50 * time.Millisecond
	do(&Request{URL: a.URL + "/"})
	time.Sleep(60 * time.Millisecond)
	do(&Request{URL: a.URL + "/"})
	if n := a.conns.Load(); n != 2 {
		t.Fatalf("%d connections to a, want 2 (the expired one was reused)", n)
	}
	time.Sleep(60 * time.Millisecond)
	c.t.h1Pool.mu.Lock()
	c.t.h1Pool.swept = time.Time{}
	c.t.h1Pool.mu.Unlock()
	do(&Request{URL: b.URL + "/"}) // sweeps a's expired connection
	c.t.h1Pool.mu.Lock()
	_, held := c.t.h1Pool.idle[strings.TrimPrefix(a.URL, "http://")]
	c.t.h1Pool.mu.Unlock()
	if held {
		t.Fatal("the expired connection to a is still held")
	}
}

// TestH1HeaderLimit: an endless response header is cut off like net/http does.
func TestH1HeaderLimit(t *testing.T) {
	srv := newRawServer(t, func(w *bufio.Writer, _ *http.Request, _ int) bool {
		_, _ = w.WriteString("HTTP/1.1 200 OK\r\n")
		line := "X-Filler: " + strings.Repeat("f", 1000) + "\r\n"
		for i := 0; i < h1MaxHeader/len(line)+10; i++ {
			if _, err := w.WriteString(line); err != nil {
				return false
			}
		}
		return false
	})
	_, do := h1Client(t, srv.URL)
	if r := do(&Request{URL: srv.URL + "/"}); r.Error != errH1HeaderTooLarge.Error() {
		t.Fatalf("status %d error %q", r.Status, r.Error)
	}
}

// TestWriteRequestH1SameBytes: the direct writer writes exactly what
// Request.Write writes, for every request shape it accepts.
func TestWriteRequestH1SameBytes(t *testing.T) {
	long := strings.Repeat("v", 5000)
	cases := []struct {
		method, url, host string
		header            http.Header
		body              string
		close             bool
	}{
		{"GET", "http://127.0.0.1:8080/me", "", http.Header{"User-Agent": {"stampede/dev"}}, "", false},
		{"", "http://example.com/a%20b/c?x=1&y=%2F#frag", "", http.Header{"User-Agent": {"k6"}}, "", false},
		{"GET", "http://example.com", "", nil, "", false},
		{"GET", "http://example.com/", "", http.Header{"User-Agent": {""}}, "", false},
		{"GET", "http://example.com/", "", http.Header{"User-Agent": {}}, "", false},
		{"GET", "http://example.com/", "", http.Header{"User-Agent": {"  padded\t", "second"}}, "", true},
		{"HEAD", "http://[::1]:9000/h", "", http.Header{"Accept": {"*/*"}}, "", false},
		{"POST", "http://example.com/p", "", http.Header{"Content-Type": {"application/json"}, "X-Multi": {"a", " b "}, "Accept": {"x"}}, `{"a":1}`, false},
		{"POST", "http://example.com/p", "", http.Header{"User-Agent": {"u"}}, "", false},
		{"DELETE", "http://example.com/d", "", http.Header{"Authorization": {"Bearer t"}}, "", true},
		{"OPTIONS", "http://example.com/o", "virtual.example:81", http.Header{"Cookie": {"a=1; b=2"}}, "", false},
		{"PUT", "http://example.com/u", "", http.Header{"X-Long": {long}, "Content-Length": {"999"}, "Host": {"ignored"}}, "body", false},
		{"PATCH", "http://example.com/u", "", http.Header{"x-lower": {"kept as is"}, "Trailer": {"x"}}, "b", true},
	}
	// Every method with and without a body and Connection: close.
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PURGE"} {
		for _, body := range []string{"", "x"} {
			for _, closeConn := range []bool{false, true} {
				cases = append(cases, struct {
					method, url, host string
					header            http.Header
					body              string
					close             bool
				}{m, "http://h.example:1/p?q", "", http.Header{"User-Agent": {"ua"}, "B": {"2"}, "A": {"1"}}, body, closeConn})
			}
		}
	}
	for i, tc := range cases {
		u, err := urlParse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		mk := func() *http.Request {
			r := &http.Request{Method: tc.method, URL: u, Host: tc.host, Header: tc.header, Close: tc.close,
				Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
			if tc.header == nil {
				r.Header = http.Header{}
			}
			if tc.body != "" {
				r.ContentLength = int64(len(tc.body))
				r.Body = newBodyReader([]byte(tc.body))
			}
			return r
		}
		var want, got bytes.Buffer
		if err := mk().Write(&want); err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriter(&got)
		if !writeRequestH1(bw, mk(), u.RequestURI(), []byte(tc.body)) {
			t.Fatalf("case %d: not handled", i)
		}
		_ = bw.Flush()
		if got.String() != want.String() {
			t.Fatalf("case %d:\ngot  %q\nwant %q", i, got.String(), want.String())
		}
	}
	// Shapes left to Request.Write.
	u, _ := urlParse("http://example.com/")
	for i, r := range []*http.Request{
		{Method: "GET", URL: u, Host: "b\u00fccher.example", Header: http.Header{}},
		{Method: "GET", URL: u, Host: "[fe80::1%25en0]:80", Header: http.Header{}},
		{Method: "GET", URL: u, Host: "a|b", Header: http.Header{}},
		{Method: "GET", URL: u, Header: http.Header{"Connection": {"keep-alive"}}, Close: true},
		{Method: "GET", URL: u, Header: http.Header{}, Trailer: http.Header{"X": nil}},
	} {
		if writeRequestH1(bufio.NewWriter(io.Discard), r, u.RequestURI(), nil) {
			t.Fatalf("shape %d handled", i)
		}
	}
}

// TestH1IdleConnectionsHoldNoBuffers: a kept-alive connection gives its
// read and write buffers back between requests, and one whose server sent
// bytes past the response is not kept.
func TestH1IdleConnectionsHoldNoBuffers(t *testing.T) {
	srv := newRawServer(t, func(w *bufio.Writer, r *http.Request, _ int) bool {
		if r.URL.Path == "/extra" {
			writeOK(w, "ok", "")
			_, _ = w.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") // unasked for
			return true
		}
		writeOK(w, "ok", "")
		return true
	})
	c, do := h1Client(t, srv.URL)
	idle := func() []*h1Conn {
		c.t.h1Pool.mu.Lock()
		defer c.t.h1Pool.mu.Unlock()
		var out []*h1Conn
		for _, list := range c.t.h1Pool.idle {
			out = append(out, list...)
		}
		return out
	}
	for range 2 {
		if r := do(&Request{URL: srv.URL + "/"}); string(r.Body) != "ok" {
			t.Fatalf("body %q error %q", r.Body, r.Error)
		}
		conns := idle()
		if len(conns) != 1 {
			t.Fatalf("%d idle connections, want 1", len(conns))
		}
		if conns[0].br != nil || conns[0].bw != nil {
			t.Fatal("an idle connection holds its buffers")
		}
	}
	if n := srv.conns.Load(); n != 1 {
		t.Fatalf("%d connections for two requests, want 1", n)
	}
	// The extra response arrives with the first one: the connection is
	// closed rather than kept with bytes that are not the next answer.
	if r := do(&Request{URL: srv.URL + "/extra"}); string(r.Body) != "ok" {
		t.Fatalf("body %q error %q", r.Body, r.Error)
	}
	if r := do(&Request{URL: srv.URL + "/"}); string(r.Body) != "ok" {
		t.Fatalf("body %q error %q", r.Body, r.Error)
	}
	if n := srv.conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (the one with extra bytes not reused)", n)
	}
}
