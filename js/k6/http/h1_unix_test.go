//go:build unix

package http

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestH1WaitingRequestHoldsNoBuffers: a request waiting for its response
// holds neither buffer (the server answers late, after the check), and the
// response is read whole once it comes.
func TestH1WaitingRequestHoldsNoBuffers(t *testing.T) {
	srv := newRawServer(t, func(w *bufio.Writer, r *http.Request, _ int) bool {
		time.Sleep(30 * time.Millisecond)
		writeOK(w, strings.Repeat("x", 10000), "")
		return true
	})
	_, do := h1Client(t, srv.URL)
	waits := 0
	testHookH1Wait = func(hc *h1Conn) {
		waits++
		if hc.br != nil || hc.bw != nil {
			t.Errorf("a connection waiting for its response holds buffers (reader %v, writer %v)", hc.br != nil, hc.bw != nil)
		}
	}
	t.Cleanup(func() { testHookH1Wait = nil })
	for range 2 {
		if r := do(&Request{URL: srv.URL + "/", Method: "POST", Body: []byte("hello")}); len(r.Body) != 10000 || r.Status != 200 {
			t.Fatalf("status %d, %d bytes, error %q", r.Status, len(r.Body), r.Error)
		}
	}
	if waits < 2 {
		t.Fatalf("%d waits for 2 late responses on the plain-HTTP/1.1 path", waits)
	}
}

// TestH1ReadFirstErrors: what the first read finds is reported as a read
// through net.Conn would: a reset as the *net.OpError "read tcp ...:
// connection reset by peer", a close without an answer as EOF; and the
// bytes read count into data_received.
func TestH1ReadFirstErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					switch req.URL.Path {
					case "/reset":
						_ = c.(*net.TCPConn).SetLinger(0) // close with RST
						return
					case "/close":
						return
					}
					time.Sleep(20 * time.Millisecond)
					if _, err := c.Write([]byte(ok)); err != nil {
						return
					}
				}
			}()
		}
	}()
	url := "http://" + ln.Addr().String()
	rt, _, do := h1ClientVU(t, url)
	if r := do(&Request{URL: url + "/"}); string(r.Body) != "ok" {
		t.Fatalf("body %q error %q", r.Body, r.Error)
	}
	if s := rt.SamplesOf("data_received"); len(s) != 1 || s[0].Value != float64(len(ok)) {
		t.Fatalf("data_received %v, want one sample of %d", s, len(ok))
	}
	r := do(&Request{URL: url + "/reset", Method: "POST", Body: []byte("x")})
	if !strings.HasPrefix(r.Error, "read tcp 127.0.0.1:") || !strings.HasSuffix(r.Error, "read: connection reset by peer") {
		t.Fatalf("reset: error %q", r.Error)
	}
	r = do(&Request{URL: url + "/close", Method: "POST", Body: []byte("x")})
	if !strings.HasSuffix(r.Error, "EOF") {
		t.Fatalf("close: error %q", r.Error)
	}
}
