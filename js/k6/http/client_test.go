package http

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/modulestest"
)

func TestDoFromGo(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	vu := rt.VU()
	t.Run("request fields", func(t *testing.T) {
		rt.ResetSamples()
		zero := 0
		resp, err := Do(vu, &Request{
			Method:    http.MethodPost,
			URL:       srv.URL + "/redirect-to?status=307&url=/post",
			Name:      "webhook",
			Header:    http.Header{"content-type": {"application/json"}},
			Body:      []byte(`{"a":1}`),
			Tags:      map[string]string{"kind": "stripe"},
			Redirects: &zero,
		})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusTemporaryRedirect || resp.Err() != nil {
			t.Fatalf("status %d err %v", resp.Status, resp.Err())
		}
		s := rt.SamplesOf("http_reqs")
		if len(s) != 1 {
			t.Fatalf("%d http_reqs", len(s))
		}
		if tg := tagsOf(s[0]); tg["name"] != "webhook" || tg["kind"] != "stripe" || tg["method"] != "POST" || tg["status"] != "307" {
			t.Fatalf("tags %v", tg)
		}
		if got := resp.Request.Header.Get("Content-Type"); got != "application/json" {
			t.Fatalf("request header %q", got)
		}
	})
	t.Run("request tags in the tag set cache", func(t *testing.T) {
		// Requests with up to two tags reuse their tag sets (the tags are
		// part of the cache key); different tags never share one, and
		// three or more tags are built every time.
		rt.ResetSamples()
		for _, tags := range []map[string]string{
			{"a": "1", "b": "2"}, {"b": "2", "a": "1"}, {"a": "1", "b": "3"}, {"a": "1"}, {"b": "1"},
			{"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "2", "c": "4"}, nil,
		} {
			if _, err := Do(vu, &Request{URL: srv.URL + "/status/200", Tags: tags}); err != nil {
				t.Fatal(err)
			}
		}
		s := rt.SamplesOf("http_reqs")
		if len(s) != 8 {
			t.Fatalf("%d http_reqs", len(s))
		}
		if s[0].Tags != s[1].Tags {
			t.Error("the same two tags built two tag sets")
		}
		want := []string{"1,2,", "1,2,", "1,3,", "1,,", ",1,", "1,2,3", "1,2,4", ",,"}
		for i, smp := range s {
			tg := tagsOf(smp)
			if got := tg["a"] + "," + tg["b"] + "," + tg["c"]; got != want[i] || tg["status"] != "200" {
				t.Errorf("request %d: tags %v, want a,b,c = %s", i, tg, want[i])
			}
		}
	})
	t.Run("shared header", func(t *testing.T) {
		// A SharedHeader is prepared once (canonical keys, User-Agent, Host
		// taken out) and reused while the same map comes back; another map
		// is prepared anew. The caller's map is never changed.
		h1 := http.Header{"x-user": {"1"}, "Host": {"api.example"}}
		h2 := http.Header{"X-User": {"2"}}
		var seen []http.Header
		for _, h := range []http.Header{h1, h1, h2} {
			resp, err := Do(vu, &Request{URL: srv.URL + "/get", Header: h, SharedHeader: true})
			if err != nil || resp.Status != 200 {
				t.Fatalf("err %v status %d", err, resp.Status)
			}
			seen = append(seen, resp.Request.Header)
			body := string(resp.Body)
			if !strings.Contains(body, `"User-Agent"`) || !strings.Contains(body, `"X-User"`) {
				t.Fatalf("headers sent: %s", body)
			}
			if h["Host"] != nil && !strings.Contains(body, `"host":"api.example"`) {
				t.Fatalf("Host header not used: %s", body)
			}
		}
		if reflect.ValueOf(seen[0]).UnsafePointer() != reflect.ValueOf(seen[1]).UnsafePointer() {
			t.Error("the same shared header was prepared twice")
		}
		if seen[0].Get("X-User") != "1" || seen[2].Get("X-User") != "2" || seen[0].Get("User-Agent") == "" || seen[0].Get("Host") != "" {
			t.Fatalf("prepared headers %v", seen)
		}
		if fmt.Sprint(h1) != "map[Host:[api.example] x-user:[1]]" {
			t.Fatalf("the caller's header changed: %v", h1)
		}
	})
	t.Run("follows and keeps body", func(t *testing.T) {
		resp, err := Do(vu, &Request{Method: http.MethodPost, URL: srv.URL + "/redirect-to?status=308&url=/post", Body: []byte("x")})
		if err != nil || resp.Status != 200 || !strings.Contains(string(resp.Body), `"body":"x"`) {
			t.Fatalf("err %v status %d body %s", err, resp.Status, resp.Body)
		}
		if resp.URL != srv.URL+"/post" {
			t.Fatalf("url %s", resp.URL)
		}
	})
	t.Run("no response callback", func(t *testing.T) {
		rt.ResetSamples()
		if _, err := Do(vu, &Request{URL: srv.URL + "/status/500", NoResponseCallback: true}); err != nil {
			t.Fatal(err)
		}
		if n := len(rt.SamplesOf("http_req_failed")); n != 0 {
			t.Fatalf("%d http_req_failed samples", n)
		}
	})
	t.Run("custom callback", func(t *testing.T) {
		rt.ResetSamples()
		if _, err := Do(vu, &Request{URL: srv.URL + "/status/409", ResponseCallback: func(s int) bool { return s == 409 }}); err != nil {
			t.Fatal(err)
		}
		if f := rt.SamplesOf("http_req_failed"); len(f) != 1 || f[0].Value != 0 {
			t.Fatalf("http_req_failed %+v", f)
		}
	})
	t.Run("failure is data without throw", func(t *testing.T) {
		closed := newTestServer(t, false)
		closed.Close()
		resp, err := Do(vu, &Request{URL: closed.URL})
		if err != nil {
			t.Fatal(err)
		}
		var e *Error
		if !errors.As(resp.Err(), &e) || e.Code != CodeTCPDialRefused || resp.Status != 0 || resp.ErrorCode != CodeTCPDialRefused {
			t.Fatalf("resp %+v err %v", resp, resp.Err())
		}
		if !errors.Is(resp.Err(), syscall.ECONNREFUSED) {
			t.Fatalf("cause lost: %v", resp.Err())
		}
	})
	t.Run("invalid requests", func(t *testing.T) {
		rt.ResetSamples()
		for _, req := range []*Request{
			{URL: "://bad"}, {URL: "mailto:x@y"}, {URL: "http:///nohost"}, {URL: srv.URL, Method: "GE T"},
			{URL: srv.URL, Body: []byte("x"), Compression: "nope"}, nil,
		} {
			resp, err := Do(vu, req)
			if !errors.Is(err, ErrInvalidRequest) || resp != nil {
				t.Fatalf("%+v: err %v", req, err)
			}
		}
		if n := len(rt.Samples()); n != 0 {
			t.Fatalf("%d samples for invalid requests", n)
		}
	})
	t.Run("credentials stay out of errors", func(t *testing.T) {
		for _, raw := range []string{"ftp://bob:s3cret@host/", "http://bob:s3cret@[::1/x", "http://bob:s3cret@/path"} {
			_, err := Do(vu, &Request{URL: raw})
			if err == nil || strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("%s: err %v", raw, err)
			}
		}
	})
}

func TestDoThrowOption(t *testing.T) {
	closed := newTestServer(t, false)
	closed.Close()
	rt, _ := newVU(t, closed.URL, &config.Options{Throw: ptr(true)})
	resp, err := Do(rt.VU(), &Request{URL: closed.URL})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeTCPDialRefused || resp == nil || resp.ErrorCode != CodeTCPDialRefused {
		t.Fatalf("resp %+v err %v", resp, err)
	}
	if n := len(rt.SamplesOf("http_reqs")); n != 1 {
		t.Fatalf("the failed request was not recorded: %d", n)
	}
}

func TestDoInitContext(t *testing.T) {
	rt := modulestest.New(t)
	if _, err := Do(rt.VU(), &Request{URL: "http://127.0.0.1:1/"}); !errors.Is(err, ErrInitContext) {
		t.Fatalf("err %v", err)
	}
}

func TestDoCancelledContext(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	c, err := ClientFor(rt.VU())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	resp, err := c.Do(ctx, &Request{URL: srv.URL + "/delay/2000"})
	if err != nil || resp.Error == "" || resp.ErrorCode != CodeGeneric {
		t.Fatalf("resp %+v err %v", resp, err)
	}
	if n := len(rt.Samples()); n != 0 {
		t.Fatalf("%d samples recorded for a request the VU abandoned", n)
	}
}

func TestDoBatchOrder(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	c, err := ClientFor(rt.VU())
	if err != nil {
		t.Fatal(err)
	}
	var reqs []*Request
	for i := range 10 {
		reqs = append(reqs, &Request{URL: fmt.Sprintf("%s/get?i=%d", srv.URL, i)})
	}
	resps, err := c.DoBatch(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range resps {
		if want := fmt.Sprintf(`"i":["%d"]`, i); !strings.Contains(string(r.Body), want) {
			t.Fatalf("response %d: %s", i, r.Body)
		}
	}
	if _, err := c.DoBatch(context.Background(), []*Request{{URL: srv.URL}, {URL: "nope"}}); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("err %v", err)
	}
}

func TestTimingsAddUp(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tlsOn), func(t *testing.T) {
			srv := newTestServer(t, tlsOn)
			rt, _ := newVU(t, srv.URL, &config.Options{InsecureSkipTLSVerify: ptr(true)})
			for i := range 2 {
				start := time.Now()
				resp, err := Do(rt.VU(), &Request{URL: srv.URL + "/delay/20"})
				wall := time.Since(start)
				if err != nil || resp.Status != 200 {
					t.Fatalf("err %v status %d", err, resp.Status)
				}
				tm := resp.Timings
				if tm.Duration != tm.Sending+tm.Waiting+tm.Receiving {
					t.Fatalf("duration %v != %v + %v + %v", tm.Duration, tm.Sending, tm.Waiting, tm.Receiving)
				}
				// The server sleeps 20ms before answering. Where the write
				// ends is only known once the writing goroutine reports it,
				// which a busy machine may delay, so check sending+waiting.
				if tm.Sending+tm.Waiting < 20*time.Millisecond || tm.Duration > wall {
					t.Fatalf("sending %v + waiting %v (server sleeps 20ms), duration %v, wall %v", tm.Sending, tm.Waiting, tm.Duration, wall)
				}
				if tm.Blocked+tm.Connecting+tm.TLSHandshaking+tm.Duration > wall {
					t.Fatalf("phases %+v exceed the wall time %v", tm, wall)
				}
				first := i == 0
				if (tm.Connecting > 0) != first || (tlsOn && (tm.TLSHandshaking > 0) != first) {
					t.Fatalf("request %d: connecting %v tls %v", i, tm.Connecting, tm.TLSHandshaking)
				}
			}
		})
	}
}

func TestTLSHostnameMismatch(t *testing.T) {
	srv := newTestServer(t, true)
	rt, st := newVU(t, srv.URL, nil)
	tr, err := NewTransport(st.Options)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr.baseTransport().TLSClientConfig.RootCAs = pool
	st.Transport = tr
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	// The test certificate is for 127.0.0.1, ::1 and example.com.
	ok, err := Do(rt.VU(), &Request{URL: srv.URL + "/get"})
	if err != nil || ok.Status != 200 {
		t.Fatalf("trusted request: %v %+v", err, ok)
	}
	resp, err := Do(rt.VU(), &Request{URL: "https://localhost:" + port + "/get"})
	if err != nil || resp.ErrorCode != CodeTLSHostname {
		t.Fatalf("err %v code %d (%s)", err, resp.ErrorCode, resp.Error)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		code int
	}{
		{"dns not found", &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, CodeDNSNoIP},
		{"dns other", &net.DNSError{Err: "server misbehaving", Name: "x"}, CodeDNS},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, CodeTCPDialRefused},
		{"dial timeout", &net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}, CodeTCPDialTimeout},
		{"dial unknown errno", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}, CodeTCPDialUnknown},
		{"dial other", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("weird")}, CodeTCPDial},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, CodeTCPReset},
		{"broken pipe", &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}, CodeTCPBrokenPipe},
		{"unknown write", &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EIO)}, CodeTCPUnknownWrite},
		{"read other", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("x")}, CodeTCP},
		{"unknown authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, CodeTLSUnknownAuthority},
		{"hostname", &tls.CertificateVerificationError{Err: x509.HostnameError{Host: "a"}}, CodeTLSHostname},
		{"tls alert", tls.AlertError(40), CodeTLS},
		{"tls record", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, CodeTLS},
		{"goaway", errors.New("http2: server sent GOAWAY and closed the connection"), CodeHTTP2GoAway},
		{"stream", errors.New("stream error: stream ID 3; PROTOCOL_ERROR"), CodeHTTP2Stream},
		{"h2 other", errors.New("http2: client connection lost"), CodeHTTP2},
		{"timeout", errRequestTimeout, CodeRequestTimeout},
		{"decompression", &decompressionError{io.ErrUnexpectedEOF}, CodeDecompression},
		{"generic", io.ErrUnexpectedEOF, CodeGeneric},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := classify(fmt.Errorf("wrapped: %w", tc.err))
			if e.Code != tc.code {
				t.Fatalf("code %d, want %d", e.Code, tc.code)
			}
			if !errors.Is(e, tc.err) && tc.code != CodeRequestTimeout {
				t.Fatal("cause not wrapped")
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestResolveHost(t *testing.T) {
	tr, err := NewTransport(&config.Options{Hosts: map[string]string{
		"a.test":      "10.0.0.1",
		"a.test:8080": "10.0.0.2:9090",
		"*.w.test":    "10.0.0.3",
		"B.test":      "other.test:81",
		"v6.test":     "::1",
	}})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"a.test:80":       "10.0.0.1:80",
		"a.test:8080":     "10.0.0.2:9090",
		"x.w.test:443":    "10.0.0.3:443",
		"y.x.w.test:443":  "10.0.0.3:443",
		"w.test:443":      "w.test:443",
		"b.test:80":       "other.test:81",
		"v6.test:80":      "[::1]:80",
		"unknown.test:80": "unknown.test:80",
	}
	for in, want := range cases {
		if got := tr.resolveHost(in); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
	if _, err := NewTransport(&config.Options{TLSVersion: &config.TLSVersions{Min: "tls1.3", Max: "tls1.2"}}); err == nil {
		t.Fatal("min above max accepted")
	}
	if _, err := NewTransport(&config.Options{TLSVersion: &config.TLSVersions{Min: "tls9"}}); err == nil || !strings.Contains(err.Error(), `"tls9"`) {
		t.Fatalf("err %v", err)
	}
}

func TestDigestAuthorization(t *testing.T) {
	u, _ := urlParse("http://h/dir/index.html")
	auth, ok := digestAuthorization([]string{
		`Basic realm="x"`,
		`Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
	}, "Mufasa", "Circle Of Life", "GET", u, nil)
	if !ok {
		t.Fatal("no digest answer")
	}
	p := parseAuthParams(strings.TrimPrefix(auth, "Digest "))
	for k, want := range map[string]string{"username": "Mufasa", "realm": "testrealm@host.com", "uri": "/dir/index.html", "qop": "auth", "nc": "00000001", "opaque": "5ccc069c403ebaf9f0171e9517f40e41", "algorithm": "MD5"} {
		if p[k] != want {
			t.Errorf("%s = %q, want %q", k, p[k], want)
		}
	}
	if _, ok := digestAuthorization([]string{`Digest realm="r", nonce="n", algorithm=SHA-512-256`}, "u", "p", "GET", u, nil); ok {
		t.Fatal("unsupported algorithm answered")
	}
}

// TestDeadlineReuse covers the per-tracer request context: a timeout
// cancels only the hop it belongs to, later requests get a fresh context,
// a timeout spans redirect hops, and the VU's context ending aborts.
func TestDeadlineReuse(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	vu := rt.VU()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt.SetContext(ctx)

	for i := range 2 {
		resp, err := Do(vu, &Request{URL: srv.URL + "/delay/2000", Timeout: 60 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if resp.ErrorCode != CodeRequestTimeout || resp.Error != "request timeout" {
			t.Fatalf("round %d: code %d error %q", i, resp.ErrorCode, resp.Error)
		}
		// Requests after a timeout, with deadlines that passed for earlier
		// hops, are not canceled by stale timers.
		for range 20 {
			resp, err = Do(vu, &Request{URL: srv.URL + "/get", Timeout: 300 * time.Millisecond})
			if err != nil || resp.Status != 200 || resp.Error != "" {
				t.Fatalf("round %d: err %v status %d error %q", i, err, resp.Status, resp.Error)
			}
		}
		time.Sleep(350 * time.Millisecond) // stale timers of the hops above would fire now
		resp, err = Do(vu, &Request{URL: srv.URL + "/delay/20", Timeout: 5 * time.Second})
		if err != nil || resp.Status != 200 {
			t.Fatalf("round %d: err %v status %d error %q", i, err, resp.Status, resp.Error)
		}
	}

	// The timeout covers every redirect hop.
	start := time.Now()
	resp, err := Do(vu, &Request{URL: srv.URL + "/redirect-to?url=/delay/2000", Timeout: 100 * time.Millisecond})
	if err != nil || resp.ErrorCode != CodeRequestTimeout {
		t.Fatalf("redirect: err %v code %d", err, resp.ErrorCode)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("redirect timeout took %v", d)
	}

	// The VU's context ending aborts the request: no timeout, no samples.
	rt.ResetSamples()
	time.AfterFunc(50*time.Millisecond, cancel)
	resp, err = Do(vu, &Request{URL: srv.URL + "/delay/2000"})
	if err != nil || resp.ErrorCode == CodeRequestTimeout || resp.Err() == nil {
		t.Fatalf("canceled: err %v code %d error %q", err, resp.ErrorCode, resp.Error)
	}
	if n := len(rt.SamplesOf("http_reqs")); n != 0 {
		t.Fatalf("%d http_reqs samples for an aborted request", n)
	}
}

// VUs share the tag sets of their requests (one cache for the process), and
// a VU with other system tags gets its own.
func TestTagSetsSharedBetweenVUs(t *testing.T) {
	srv := newTestServer(t, false)
	rtA, _ := newVU(t, srv.URL, nil)
	rtB, _ := newVU(t, srv.URL, nil)
	rtC, stC := newVU(t, srv.URL, nil)
	delete(stC.SystemTags, "method")
	for _, rt := range []*modulestest.Runtime{rtA, rtB, rtC} {
		if _, err := Do(rt.VU(), &Request{URL: srv.URL + "/status/201", Tags: map[string]string{"op": "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := rtA.SamplesOf("http_reqs"), rtB.SamplesOf("http_reqs"), rtC.SamplesOf("http_reqs")
	if len(a) != 1 || len(b) != 1 || len(c) != 1 {
		t.Fatalf("samples %d %d %d", len(a), len(b), len(c))
	}
	if a[0].Tags != b[0].Tags {
		t.Error("two VUs built the same tag set twice")
	}
	if tg := tagsOf(c[0]); tg["method"] != "" || tg["op"] != "x" || tg["status"] != "201" {
		t.Errorf("the VU without the method tag got %v", tg)
	}
	if tg := tagsOf(a[0]); tg["method"] != "GET" {
		t.Errorf("tags %v", tg)
	}
}
