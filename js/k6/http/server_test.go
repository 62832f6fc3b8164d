package http

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/md5" //nolint:gosec // digest auth test server
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// testServer is a small httpbin on loopback for the tests.
type testServer struct {
	*httptest.Server
	inflight, maxInflight atomic.Int64
	perHost               sync.Map // host -> *[2]atomic.Int64 {inflight, max}
	bytesIn, bytesOut     atomic.Int64
}

func (s *testServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"method": r.Method, "headers": r.Header, "args": r.URL.Query(), "host": r.Host, "url": r.URL.String()})
	})
	mux.HandleFunc("/anything/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		writeJSON(w, map[string]any{"method": r.Method, "headers": r.Header, "body": string(body), "path": r.URL.Path})
	})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.WriteHeader(code)
	})
	mux.HandleFunc("/bytes/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		w.Header().Set("Content-Type", "application/octet-stream")
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i)
		}
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/redirect/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n <= 1 {
			http.Redirect(w, r, "/get", http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/redirect/%d", n-1), http.StatusFound)
	})
	mux.HandleFunc("/redirect-to", func(w http.ResponseWriter, r *http.Request) {
		code := http.StatusFound
		if c := r.URL.Query().Get("status"); c != "" {
			code, _ = strconv.Atoi(c)
		}
		http.Redirect(w, r, r.URL.Query().Get("url"), code)
	})
	mux.HandleFunc("/cookies/set", func(w http.ResponseWriter, r *http.Request) {
		for k, v := range r.URL.Query() {
			http.SetCookie(w, &http.Cookie{Name: k, Value: v[0], Path: "/"})
		}
		http.Redirect(w, r, "/cookies", http.StatusFound)
	})
	mux.HandleFunc("/set-cookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc", Path: "/", HttpOnly: true, MaxAge: 60})
		http.SetCookie(w, &http.Cookie{Name: "other", Value: "x", Path: "/sub"})
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/cookies", func(w http.ResponseWriter, r *http.Request) {
		m := map[string][]string{}
		for _, c := range r.Cookies() {
			m[c.Name] = append(m[c.Name], c.Value)
		}
		writeJSON(w, map[string]any{"cookies": m, "header": r.Header.Get("Cookie")})
	})
	mux.HandleFunc("/compressed/{algo}", func(w http.ResponseWriter, r *http.Request) {
		algo := r.PathValue("algo")
		var buf bytes.Buffer
		var zw io.WriteCloser
		switch algo {
		case "gzip":
			zw = gzip.NewWriter(&buf)
		case "deflate":
			zw = zlib.NewWriter(&buf)
		case "br":
			zw = brotli.NewWriter(&buf)
		case "zstd":
			zw, _ = zstd.NewWriter(&buf)
		}
		_, _ = io.WriteString(zw, `{"algo":"`+algo+`","ok":true}`)
		_ = zw.Close()
		w.Header().Set("Content-Encoding", algo)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(buf.Bytes())
	})
	mux.HandleFunc("/broken-gzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write([]byte("this is not gzip"))
	})
	mux.HandleFunc("/basic-auth/{user}/{pass}", func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != r.PathValue("user") || p != r.PathValue("pass") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		writeJSON(w, map[string]any{"authenticated": true, "user": u})
	})
	mux.HandleFunc("/digest-auth/{user}/{pass}", s.digest)
	mux.HandleFunc("/delay/{ms}", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.PathValue("ms"))
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
		}
		_, _ = io.WriteString(w, "done")
	})
	mux.HandleFunc("/slow-body/{ms}", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.PathValue("ms"))
		w.Header().Set("Content-Length", "10")
		_, _ = io.WriteString(w, "01234")
		w.(http.Flusher).Flush()
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "56789")
	})
	mux.HandleFunc("/concurrency", func(w http.ResponseWriter, r *http.Request) {
		n := s.inflight.Add(1)
		for {
			m := s.maxInflight.Load()
			if n <= m || s.maxInflight.CompareAndSwap(m, n) {
				break
			}
		}
		v, _ := s.perHost.LoadOrStore(r.Host, new([2]atomic.Int64))
		ph := v.(*[2]atomic.Int64)
		hn := ph[0].Add(1)
		for {
			m := ph[1].Load()
			if hn <= m || ph[1].CompareAndSwap(m, hn) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		ph[0].Add(-1)
		s.inflight.Add(-1)
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("/post", func(w http.ResponseWriter, r *http.Request) {
		var raw []byte
		var err error
		switch r.Header.Get("Content-Encoding") {
		case "":
			raw, err = io.ReadAll(r.Body)
		default:
			var rd io.Reader
			rd, _, err = decoder(r.Body, r.Header.Get("Content-Encoding"))
			if err == nil {
				raw, err = io.ReadAll(rd)
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out := map[string]any{"method": r.Method, "body": string(raw), "contentType": r.Header.Get("Content-Type"), "contentEncoding": r.Header.Get("Content-Encoding")}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			r.Body = io.NopCloser(bytes.NewReader(raw))
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			files := map[string]any{}
			for k, fhs := range r.MultipartForm.File {
				f, _ := fhs[0].Open()
				data, _ := io.ReadAll(f)
				files[k] = map[string]any{"filename": fhs[0].Filename, "contentType": fhs[0].Header.Get("Content-Type"), "data": string(data)}
			}
			out["files"] = files
			out["form"] = r.MultipartForm.Value
		} else if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			r.Body = io.NopCloser(bytes.NewReader(raw))
			_ = r.ParseForm()
			out["form"] = r.PostForm
		}
		writeJSON(w, out)
	})
	return mux
}

var digestNonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093"

func (s *testServer) digest(w http.ResponseWriter, r *http.Request) {
	user, pass := r.PathValue("user"), r.PathValue("pass")
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "Digest ") {
		w.Header().Set("WWW-Authenticate", `Digest realm="test@stampede", qop="auth", nonce="`+digestNonce+`", opaque="5ccc069c403ebaf9f0171e9517f40e41"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	p := parseAuthParams(auth[len("Digest "):])
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) } //nolint:gosec // test
	ha1 := h(user + ":test@stampede:" + pass)
	ha2 := h(r.Method + ":" + p["uri"])
	want := h(ha1 + ":" + digestNonce + ":" + p["nc"] + ":" + p["cnonce"] + ":" + p["qop"] + ":" + ha2)
	if p["username"] != user || p["response"] != want || p["uri"] != r.URL.RequestURI() || p["opaque"] != "5ccc069c403ebaf9f0171e9517f40e41" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	writeJSON(w, map[string]any{"authenticated": true, "user": user})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// countingListener counts the bytes the server reads and writes, to check
// data_sent and data_received against the wire.
type countingListener struct {
	net.Listener
	s *testServer
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &serverConn{Conn: c, s: l.s}, nil
}

type serverConn struct {
	net.Conn
	s *testServer
}

func (c *serverConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.s.bytesIn.Add(int64(n))
	return n, err
}

func (c *serverConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.s.bytesOut.Add(int64(n))
	return n, err
}

// newTestServer starts the test server: plain HTTP/1.1, or TLS with
// HTTP/2 when tlsH2 is set (use insecureSkipTLSVerify, or the server's
// certificate pool).
func newTestServer(t testing.TB, tlsH2 bool) *testServer {
	t.Helper()
	s := &testServer{}
	srv := httptest.NewUnstartedServer(s.handler())
	srv.Listener = countingListener{Listener: srv.Listener, s: s}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tlsH2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	s.Server = srv
	t.Cleanup(srv.Close)
	return s
}

// waitBytes checks that the client's data_sent and data_received are the
// bytes the server read and wrote. The server counts a write once it
// returns, which may be after the client read it: its counters get a moment.
func (s *testServer) waitBytes(t testing.TB, sent, received float64) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if sent == float64(s.bytesIn.Load()) && received == float64(s.bytesOut.Load()) {
			return
		}
	}
	t.Fatalf("data_sent %v data_received %v, but the server read %d and wrote %d bytes", sent, received, s.bytesIn.Load(), s.bytesOut.Load())
}
