package http

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/stampede-load/stampede/config"
)

// blockHostnames and blacklistIPs refuse requests with k6's codes and
// messages, on the VU-goroutine HTTP/1.1 path (http://) and through
// net/http's Transport (https://); other requests go through.
func TestBlockHostnamesAndBlacklistIPs(t *testing.T) {
	t.Parallel()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	plain := httptest.NewServer(handler)
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(handler)
	t.Cleanup(tlsSrv.Close)
	for _, srv := range []*httptest.Server{plain, tlsSrv} {
		scheme := srv.URL[:strings.Index(srv.URL, ":")]
		addr := strings.TrimPrefix(srv.URL, scheme+"://")
		for _, tt := range []struct {
			name      string
			opts      config.Options
			host      string // the URL's host (mapped to the server by the hosts option)
			wantCode  int
			wantError string
		}{
			{name: "blocked name", opts: config.Options{BlockHostnames: []string{"API.test"}}, host: "api.test",
				wantCode: CodeBlockedHostname, wantError: "hostname (api.test) is in a blocked pattern (api.test)"},
			{name: "blocked subdomain", opts: config.Options{BlockHostnames: []string{"other.test", "*.test"}}, host: "a.b.test",
				wantCode: CodeBlockedHostname, wantError: "hostname (a.b.test) is in a blocked pattern (*.test)"},
			{name: "wildcard leaves the domain itself", opts: config.Options{BlockHostnames: []string{"*.test"}}, host: "test"},
			{name: "blacklisted range", opts: config.Options{BlacklistIPs: []string{"10.0.0.0/8", "127.0.0.0/8"}}, host: "api.test",
				wantCode: CodeBlacklistedIP, wantError: "IP (127.0.0.1) is in a blacklisted range (127.0.0.0/8)"},
			{name: "blacklisted address", opts: config.Options{BlacklistIPs: []string{"127.0.0.1"}}, host: "api.test",
				wantCode: CodeBlacklistedIP, wantError: "is in a blacklisted range (127.0.0.1/32)"},
			{name: "other range", opts: config.Options{BlacklistIPs: []string{"10.0.0.0/8"}}, host: "api.test"},
		} {
			t.Run(scheme+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				opts := tt.opts
				opts.InsecureSkipTLSVerify = ptr(true)
				opts.Hosts = map[string]string{tt.host: addr}
				rt, _ := newVU(t, srv.URL, &opts)
				_, port, _ := strings.Cut(addr, ":")
				res := js(t, rt, `(function () { const r = http.get("`+scheme+`://`+tt.host+`:`+port+`/x"); return [r.status, r.error_code, r.error]; })()`).Export().([]any)
				code, msg := int(res[1].(int64)), res[2].(string)
				if tt.wantCode == 0 {
					if res[0].(int64) != 200 || code != 0 {
						t.Fatalf("status %v, error_code %d (%s): want the request to go through", res[0], code, msg)
					}
					return
				}
				if code != tt.wantCode || !strings.Contains(msg, tt.wantError) {
					t.Errorf("error_code %d, error %q; want %d and %q", code, msg, tt.wantCode, tt.wantError)
				}
			})
		}
	}
}

// tlsCipherSuites limits the suites offered for TLS 1.2: a server that
// accepts only another suite fails the handshake (a TLS error code), one
// that accepts an offered suite answers.
func TestTLSCipherSuites(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		suites   []string
		wantCode int
	}{
		{[]string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, CodeTLS},
		{[]string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}, 0},
	} {
		rt, _ := newVU(t, srv.URL, &config.Options{InsecureSkipTLSVerify: ptr(true), TLSCipherSuites: tt.suites})
		res := js(t, rt, `(function () { const r = http.get(URL); return [r.status, r.error_code, r.error]; })()`).Export().([]any)
		if code := int(res[1].(int64)); code != tt.wantCode {
			t.Errorf("suites %v: error_code %d (%v), want %d", tt.suites, code, res[2], tt.wantCode)
		}
	}
	if _, err := NewTransport(&config.Options{TLSCipherSuites: []string{"TLS_NOPE"}}); err == nil || !strings.Contains(err.Error(), "TLS_NOPE") {
		t.Errorf("unknown suite: %v", err)
	}
}

// With the run's rps limiter in the VU's State, requests wait their turn:
// 6 requests at 20/s take at least 5 intervals of 50 ms.
func TestRPSLimiterPacesRequests(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	rt, st := newVU(t, srv.URL, nil)
	st.RPSLimiter = rate.NewLimiter(20, 1)
	start := time.Now()
	js(t, rt, `for (let i = 0; i < 6; i++) { if (http.get(URL).status !== 200) throw new Error("failed"); }`)
	if took := time.Since(start); took < 240*time.Millisecond {
		t.Errorf("6 requests at rps 20 took %s; the limiter allows no less than 250 ms", took)
	}
}
