package http

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stampede-load/stampede/config"
)

// httpDebug logs each request and response, bodies only with "full", and
// never the credentials; on both the VU-goroutine HTTP/1.1 path (http://)
// and net/http's Transport (https://).
func TestHTTPDebug(t *testing.T) {
	t.Parallel()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Answer", "42")
		_, _ = io.WriteString(w, "hello-body")
	})
	plain := httptest.NewServer(handler)
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(handler)
	t.Cleanup(tlsSrv.Close)

	const script = `http.post(URL + "/x", "req-payload", { headers: {
		Authorization: "Bearer s3cr3t-token", "Stripe-Signature": "t=1,v1=abcdef" } })`
	for _, srv := range []*httptest.Server{plain, tlsSrv} {
		for _, mode := range []string{"", "headers", "full"} {
			t.Run(srv.URL[:strings.Index(srv.URL, ":")]+"/"+mode, func(t *testing.T) {
				t.Parallel()
				opts := &config.Options{InsecureSkipTLSVerify: ptr(true)}
				if mode != "" {
					opts.HTTPDebug = ptr(mode)
				}
				rt, _ := newVU(t, srv.URL, opts)
				js(t, rt, script)
				var req, resp string
				for _, e := range rt.Logs() {
					switch {
					case strings.Contains(e.Message, "s3cr3t") || strings.Contains(e.Message, "abcdef"):
						t.Errorf("a credential was logged: %q", e.Message)
					case strings.HasPrefix(e.Message, "Request:\n"):
						req += e.Message
					case strings.HasPrefix(e.Message, "Response:\n"):
						resp += e.Message
					}
				}
				if mode == "" {
					if req != "" || resp != "" {
						t.Errorf("logged without httpDebug: %q %q", req, resp)
					}
					return
				}
				for _, want := range []string{"POST /x HTTP/1.1", "Authorization: Bearer [redacted]", "Stripe-Signature: [redacted]", "Content-Length: 11"} {
					if !strings.Contains(req, want) {
						t.Errorf("request log %q lacks %q", req, want)
					}
				}
				for _, want := range []string{"HTTP/1.1 200 OK", "X-Answer: 42"} {
					if !strings.Contains(resp, want) {
						t.Errorf("response log %q lacks %q", resp, want)
					}
				}
				if full := mode == "full"; strings.Contains(req, "req-payload") != full || strings.Contains(resp, "hello-body") != full {
					t.Errorf("httpDebug=%q: bodies logged %v/%v, want %v\n%s\n%s", mode,
						strings.Contains(req, "req-payload"), strings.Contains(resp, "hello-body"), full, req, resp)
				}
			})
		}
	}
}

// A URL's credentials are not logged either (k6/http sends them as basic
// auth).
func TestHTTPDebugURLCredentials(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pw, ok := r.BasicAuth(); !ok || pw != "pw-secret" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	t.Cleanup(srv.Close)
	rt, _ := newVU(t, srv.URL, &config.Options{HTTPDebug: ptr("full")})
	if got := js(t, rt, `http.get(URL.replace("http://", "http://user:pw-secret@") + "/x").status`).ToInteger(); got != 200 {
		t.Fatalf("status %d: the credentials were not sent", got)
	}
	logged := false
	for _, e := range rt.Logs() {
		if strings.Contains(e.Message, "pw-secret") || strings.Contains(e.Message, "dXNlcjpwdy1zZWNyZXQ=") {
			t.Errorf("the URL's password was logged: %q", e.Message)
		}
		logged = logged || strings.HasPrefix(e.Message, "Request:\nGET /x HTTP/1.1")
	}
	if !logged {
		t.Errorf("no request logged: %v", rt.Logs())
	}
}
