package bundle_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stampede-load/stampede/js/modulestest"
	_ "github.com/stampede-load/stampede/queue/queuejs" // the native k6/x/queue, to compare with
	"github.com/stampede-load/stampede/target"
)

// startTarget starts a reference staging API on a free loopback port.
func startTarget(t *testing.T) *target.Server {
	t.Helper()
	srv, err := target.New(target.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	if _, err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return srv
}

// queueVUs returns a test VU with the native k6/x/queue and k6/x/stripe
// and one with their shims, both in the VU context.
func queueVUs(t *testing.T) (native, shim *modulestest.Runtime) {
	t.Helper()
	shim = newShimVU(t, "import * as queue from 'k6/x/queue';\nimport * as stripe from 'k6/x/stripe';\nexport { queue, stripe };\n").Runtime
	native = modulestest.New(t)
	if _, err := native.RunScript("var queue = require('k6/x/queue'), stripe = require('k6/x/stripe');"); err != nil {
		t.Fatal(err)
	}
	native.MoveToVUContext(native.NewState())
	shim.MoveToVUContext(shim.NewState())
	return native, shim
}

var queueVolatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`usr_[0-9a-f]+`), "usr_ID"},
	{regexp.MustCompile(`ses_[0-9a-f]+`), "ses_ID"},
	{regexp.MustCompile(`"token":"[^"]+"`), `"token":"TOKEN"`},
	{regexp.MustCompile(`"(startedAt|endsAt)":"[^"]+"`), `"$1":"TIME"`},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
}

func normalizeQueue(s string) string {
	for _, v := range queueVolatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

// queueSamples summarises the queue module's samples: error_rate values
// with their tags, and how many latency samples each metric got (with
// their tags).
func queueSamples(rt *modulestest.Runtime) []string {
	var out []string
	for _, s := range rt.Samples() {
		if s.Metric == nil {
			continue
		}
		tags := func(keys ...string) string {
			var b strings.Builder
			for _, k := range keys {
				v, _ := s.Tags.Get(k)
				fmt.Fprintf(&b, " %s=%s", k, v)
			}
			return b.String()
		}
		switch s.Metric.Name {
		case "error_rate":
			out = append(out, fmt.Sprintf("error_rate=%v%s", s.Value, tags("op", "region", "mode")))
		case "queue_join_latency", "queue_match_latency", "queue_leave_latency":
			out = append(out, s.Metric.Name+tags("op", "region", "mode"))
			if s.Value < 0 {
				out = append(out, "negative latency")
			}
		case "http_reqs":
			out = append(out, normalizeQueue("http_reqs"+tags("method", "name", "status", "region", "mode")))
		}
	}
	sort.Strings(out)
	return out
}

// The queue shim behaves like the native k6/x/queue against the reference
// target (and fakes for failures): same results, same samples and tags.
func TestQueueShimMatchesNative(t *testing.T) {
	// flaky answers 503 to the first two joins of each client (by token),
	// 429 forever to the token "busy", and 200 with a body that is not JSON
	// to every status request.
	var joins atomic.Int64
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/auth/anonymous":
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"userId":"usr_abc","token":"tok1","ok":"shadowed"}`)
		case r.URL.Path == "/queue/join" && r.Header.Get("Authorization") == "Bearer busy":
			w.Header().Set("Retry-After", "0.01")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":"rate_limited","message":"slow down, Bearer busy"}`)
		case r.URL.Path == "/queue/join":
			if joins.Add(1)%3 != 0 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintf(w, `{"status":"waiting","queueKey":"r:shared","position":1,"attempt":%d}`, joins.Load())
		case r.URL.Path == "/queue/status":
			fmt.Fprint(w, `not json`)
		case r.URL.Path == "/me":
			fmt.Fprint(w, `{"userId":"usr_abc","tokens":"many"}`)
		default:
			w.WriteHeader(http.StatusTeapot)
			fmt.Fprint(w, `[1,2]`)
		}
	}))
	t.Cleanup(flaky.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	down := closed.URL
	closed.Close()

	const prelude = `
		var q = new queue.Client({ baseUrl: BASE + '/', region: 'testRegion', mode: 'isolated' });
		var shared = new queue.Client({ baseUrl: BASE, region: 'testRegion' });
		function buy(u, n) { return stripe.webhook(BASE + '/webhooks/stripe', stripe.checkoutCompleted({ userId: u.userId, tokens: n }), SECRET).status; }
	`
	tests := []struct {
		name string
		body string
		base string // "" is a fresh reference target
		// polls: how often waitForMatch polls depends on the matcher's
		// timing, so GET /queue/status requests are not compared.
		polls bool
	}{
		{name: "anonymous user", body: "const u = q.anonymousUser(); return [u, Object.keys(u)]"},
		{name: "isolated round trip", body: "const u = q.anonymousUser(); return [q.join(u), q.status(u), q.join(u), q.leave(u), q.status(u), q.leave(u), q.balance(u)]"},
		{name: "shared without tokens", body: "const u = shared.anonymousUser(); return [shared.join(u), shared.balance(u)]"},
		{name: "shared match", body: `
			const a = shared.anonymousUser(), b = shared.anonymousUser();
			const bought = [buy(a, 2), buy(b, 2)];
			const ja = shared.join(a, { sessionSeconds: 30 }), jb = shared.join(b, { sessionSeconds: 30 });
			const ma = shared.waitForMatch(a, { timeout: '5s', pollInterval: 20 });
			const mb = shared.waitForMatch(b, { timeout: 5000, pollInterval: '20ms' });
			return [bought, ja.ok, jb.ok, ma.ok, ma.status, mb.ok, mb.status, typeof ma.sessionId, ma.sessionId === mb.sessionId, ma.peerId === b.userId, shared.balance(a).tokens, shared.leave(a), shared.status(b)]`,
			polls: true},
		{name: "wait when idle", body: "const u = q.anonymousUser(); return q.waitForMatch(u)"},
		{name: "wait times out", body: "const u = shared.anonymousUser(); buy(u, 1); shared.join(u); return [shared.waitForMatch(u, { timeout: '300ms', pollInterval: 100 }), shared.leave(u)]"},
		{name: "session seconds", body: "const u = shared.anonymousUser(); buy(u, 1); return [shared.join(u, { sessionSeconds: 0 }), shared.leave(u), shared.join(u, { sessionSeconds: 99999 }), shared.join(u, 'ignored')]"},
		{name: "bad token", body: "return [q.balance({ userId: 'usr_1', token: 'nope' }), q.join({ token: 'nope' }), q.waitForMatch({ token: 'nope' })]"},
		{name: "custom paths", body: "const c = new queue.Client({ baseUrl: BASE, paths: { me: '/nowhere' } }); const u = c.anonymousUser(); return [c.balance(u), c.status(u)]"},
		{name: "server down", base: down, body: "const u = q.anonymousUser(); return [u, q.balance({ token: 'x' })]"},
		{name: "retries and malformed answers", base: flaky.URL, body: `
			const u = q.anonymousUser();
			return [u, q.join(u), q.join({ token: 'busy' }), q.status(u), q.waitForMatch(u), q.balance(u), q.leave(u)]`},
		{name: "misuse: no user", body: "return q.join({})"},
		{name: "misuse: null user", body: "return q.status(null)"},
		{name: "misuse: fractional session seconds", body: "return q.join({ token: 'x' }, { sessionSeconds: 1.5 })"},
		{name: "misuse: bad poll interval", body: "return q.waitForMatch({ token: 'x' }, { pollInterval: 'often' })"},
		{name: "misuse: negative timeout", body: "return q.waitForMatch({ token: 'x' }, { timeout: -1 })"},
		{name: "config: none", body: "return new queue.Client()"},
		{name: "config: not an object", body: "return new queue.Client('http://x')"},
		{name: "config: everything wrong", body: "return new queue.Client({ baseUrl: 'ftp://x', mode: 'both', region: 'x'.repeat(65), paths: { join: 'queue', foo: '/x', me: '' }, timeout: 'soon', extra: 1 })"},
		{name: "config: zero timeout", body: "return new queue.Client({ baseUrl: 'http://x', timeout: 0 })"},
		{name: "config: paths array", body: "return new queue.Client({ baseUrl: 'http://x', paths: ['/a'] })"},
		{name: "config: no host", body: "return new queue.Client({ baseUrl: 'http://' })"},
		{name: "client shape", body: "return [Object.keys(q), q.baseUrl, q.region, q.mode, shared.mode, typeof q.join, Object.keys(queue).sort(), Object.keys(queue.default).sort(), queue.DEFAULT_PATHS, queue.DEFAULT_REGION, queue.DEFAULT_MODE]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			native, shim := queueVUs(t)
			var outcomes [2]string
			for i, rt := range []*modulestest.Runtime{native, shim} {
				base, secret := tt.base, "whsec_unused"
				if base == "" {
					srv := startTarget(t) // a fresh API each, so both see the same states
					base, secret = srv.URL(), srv.WebhookSecret().Reveal()
				}
				joins.Store(0)
				for k, v := range map[string]string{"BASE": base, "SECRET": secret} {
					if err := rt.Sobek().Set(k, v); err != nil {
						t.Fatal(err)
					}
				}
				outcomes[i] = normalizeQueue(outcome(rt, prelude+tt.body))
			}
			if outcomes[1] != outcomes[0] {
				t.Errorf("outcomes differ\nshim:   %s\nnative: %s", outcomes[1], outcomes[0])
			}
			if strings.Contains(outcomes[1], "Bearer busy") {
				t.Errorf("the outcome shows a token: %s", outcomes[1])
			}
			n, s := queueSamples(native), queueSamples(shim)
			if tt.polls {
				drop := func(s string) bool { return strings.Contains(s, "name=GET /queue/status") }
				n, s = slices.DeleteFunc(n, drop), slices.DeleteFunc(s, drop)
			}
			if !slices.Equal(n, s) {
				t.Errorf("samples differ\nshim:   %v\nnative: %v", s, n)
			}
		})
	}
}

// queue_join_latency covers every attempt and the backoff between them,
// with sub-millisecond precision; queue_leave_latency covers the request.
func TestQueueShimLatencies(t *testing.T) {
	var joins atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/queue/join":
			time.Sleep(20 * time.Millisecond)
			if joins.Add(1) == 1 {
				w.Header().Set("Retry-After", "0.05")
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(w, `{"status":"waiting"}`)
		case "/queue/leave":
			time.Sleep(10 * time.Millisecond)
			fmt.Fprint(w, `{"status":"idle"}`)
		}
	}))
	t.Cleanup(srv.Close)
	vu := newShimVU(t, "import { Client } from 'k6/x/queue';\nexport { Client };\n")
	vu.MoveToVUContext(vu.NewState())
	vu.set(t, map[string]any{"BASE": srv.URL})
	start := time.Now()
	vu.eval(t, "const q = new Client({ baseUrl: BASE }); const u = { token: 't' }; [q.join(u).ok, q.leave(u).ok]")
	wall := float64(time.Since(start)) / float64(time.Millisecond)
	join, leave := vu.SamplesOf("queue_join_latency"), vu.SamplesOf("queue_leave_latency")
	if len(join) != 1 || len(leave) != 1 {
		t.Fatalf("%d join and %d leave latency samples, want 1 each", len(join), len(leave))
	}
	// Two 20 ms attempts and at least the 50 ms Retry-After between them.
	if v := join[0].Value; v < 90 || v > wall {
		t.Errorf("queue_join_latency = %.3f ms, want between 90 and %.3f", v, wall)
	}
	if v := leave[0].Value; v < 10 || v > wall-90 {
		t.Errorf("queue_leave_latency = %.3f ms, want between 10 and %.3f", v, wall-90)
	}
}
