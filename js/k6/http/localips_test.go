package http_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js"
	"github.com/stampede-load/stampede/js/modules"
)

// runLocalIPsScript runs one iteration of script on each VU of ids, through
// the real JS runner with the script's options.
func runLocalIPsScript(t *testing.T, script string, env map[string]string, ids ...uint64) {
	t.Helper()
	r, err := js.New(context.Background(), js.LoadConfig{Path: "/script.js", Source: []byte(script), Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Configure(engine.RunnerConfig{Options: r.Options(), Execution: noExec{}, Test: noTest{}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, id := range ids {
		vu, err := r.NewVU(ctx, id, id, &collector{})
		if err != nil {
			t.Fatal(err)
		}
		active := vu.Activate(&engine.VUActivationParams{
			RunContext: ctx,
			Exec:       "default",
			Scenario:   &modules.ScenarioState{Name: "default", Executor: "per-vu-iterations", StartTime: time.Now(), Progress: func() float64 { return 0 }},
			GetNextIterationCounters: func() (int64, int64) {
				return 0, 0
			},
		})
		if err := active.RunOnce(); err != nil {
			t.Fatalf("VU %d: %v", id, err)
		}
	}
}

// With localIPs "127.0.0.2-127.0.0.3", VU 1 connects from 127.0.0.2, VU 2
// from 127.0.0.3 and VU 3 from 127.0.0.2 again, over plain HTTP (the
// VU-goroutine path) and HTTPS (net/http's transport) alike: the servers,
// on 127.0.0.1, see those addresses.
func TestLocalIPsBindEachVUToItsAddress(t *testing.T) {
	for _, ip := range []string{"127.0.0.2", "127.0.0.3"} {
		l, err := net.Listen("tcp", ip+":0")
		if err != nil {
			t.Skipf("%s is not a local address here: %v", ip, err)
		}
		_ = l.Close()
	}
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		seen[r.URL.Path+" from "+host] = true
		mu.Unlock()
		_, _ = w.Write([]byte(host))
	})
	plain := httptest.NewServer(handler)
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(handler)
	t.Cleanup(tlsSrv.Close)

	script := `
		import http from "k6/http";
		export const options = { localIPs: "127.0.0.2-127.0.0.3", insecureSkipTLSVerify: true };
		export default function () {
			for (const base of [__ENV.URL, __ENV.TLS_URL]) {
				const r = http.get(base + "/vu" + __VU);
				if (r.status !== 200) throw new Error(base + ": " + r.status + " " + r.error);
				if (r.body !== __ENV["WANT_" + __VU]) throw new Error("VU " + __VU + " connected from " + r.body);
			}
		}`
	runLocalIPsScript(t, script, map[string]string{
		"URL": plain.URL, "TLS_URL": tlsSrv.URL,
		"WANT_1": "127.0.0.2", "WANT_2": "127.0.0.3", "WANT_3": "127.0.0.2",
	}, 1, 2, 3)

	var got []string
	for k := range seen {
		got = append(got, k)
	}
	sort.Strings(got)
	want := "/vu1 from 127.0.0.2,/vu2 from 127.0.0.3,/vu3 from 127.0.0.2"
	if strings.Join(got, ",") != want {
		t.Errorf("the servers saw %q, want %q", got, want)
	}
}

// As in k6 (Go's dialer bound to the address), a VU whose local address
// is of the other IP version than the server's cannot connect: the
// request fails, naming the local address.
func TestLocalIPsOtherIPVersionFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	script := `
		import http from "k6/http";
		export const options = { localIPs: "::1" };
		export default function () {
			const r = http.get(__ENV.URL);
			if (r.status !== 0 || !r.error.includes("no suitable address")) {
				throw new Error("status " + r.status + ", error " + r.error + " (" + r.error_code + ")");
			}
		}`
	runLocalIPsScript(t, script, map[string]string{"URL": srv.URL}, 1)
}
