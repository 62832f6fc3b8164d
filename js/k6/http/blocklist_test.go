package http

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
