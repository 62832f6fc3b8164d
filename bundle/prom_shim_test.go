package bundle_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/modulestest"
	_ "github.com/stampede-load/stampede/prom/promjs" // the native k6/x/prom, to compare with
)

const promToken = "tok-s3cr3t-XYZ"

// fakeProm answers the Prometheus HTTP API with canned results chosen by the
// query, requiring the bearer token.
func fakeProm(t *testing.T) *httptest.Server {
	t.Helper()
	vector := func(series ...string) string {
		return `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(series, ",") + `]}}`
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+promToken {
			http.Error(w, "unauthorized: got "+r.Header.Get("Authorization"), http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		q := r.FormValue("query")
		switch r.URL.Path {
		case "/api/v1/label/__name__/values":
			fmt.Fprint(w, `{"status":"success","data":["up","redis_memory_used_bytes","pg_stat_database_xact_commit"]}`)
			return
		case "/api/v1/query_range":
			if q == "nothing" {
				fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
				return
			}
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[`+
				`{"metric":{"job":"b","__name__":"up"},"values":[[1700000000,"1"],[1700000015.5,"0"]]},`+
				`{"metric":{"__name__":"up","job":"a"},"values":[[1700000000,"2"]]}]}}`)
			return
		case "/api/v1/query":
		default:
			http.NotFound(w, r)
			return
		}
		switch q {
		case "up":
			fmt.Fprint(w, vector(`{"metric":{"job":"b","__name__":"up"},"value":[1700000000.25,"1"]}`,
				`{"metric":{"__name__":"up","job":"a"},"value":[1700000000.25,"0"]}`))
		case "sum(up)":
			fmt.Fprint(w, vector(`{"metric":{},"value":[1700000000.25,"1"]}`))
		case "pg_stat_database_xact_commit":
			fmt.Fprint(w, vector(`{"metric":{"datname":"app"},"value":[1700000000,"10"]}`, `{"metric":{"datname":"pg"},"value":[1700000000,"5.5"]}`))
		case "scalar(1)":
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"scalar","result":[1700000000.25,"1"]}}`)
		case "up[5m]":
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
		case "bad(":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}`)
		case "exec":
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprint(w, `{"status":"error","errorType":"execution","error":"query processing would load too many samples"}`)
		case "boom":
			http.Error(w, "internal failure, token "+promToken, http.StatusInternalServerError)
		case "teapot":
			w.WriteHeader(http.StatusTeapot)
		case "notjson":
			fmt.Fprint(w, "hello")
		case "slow":
			time.Sleep(time.Second)
			fmt.Fprint(w, vector())
		default: // redis_used_memory_bytes and anything else: no series
			fmt.Fprint(w, vector())
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// promPair is the same test VU twice: one with the native k6/x/prom, one
// with the shim, both in the VU context.
type promPair struct {
	native, shim *modulestest.Runtime
}

func newPromPair(t *testing.T) promPair {
	t.Helper()
	shim := newShimVU(t, "import * as prom from 'k6/x/prom';\nexport { prom };\n").Runtime
	native := modulestest.New(t)
	if _, err := native.RunScript("var prom = require('k6/x/prom');"); err != nil {
		t.Fatal(err)
	}
	return promPair{native: native, shim: shim}
}

func (p promPair) toVUContext() {
	p.native.MoveToVUContext(p.native.NewState())
	p.shim.MoveToVUContext(p.shim.NewState())
}

// jsonOf evaluates the body of a function in rt and returns its result as
// JSON (NaN as "NaN"), or the exception.
func jsonOf(rt *modulestest.Runtime, body string) (string, error) {
	v, err := rt.RunScript(`JSON.stringify((function(){ ` + body + ` })(), (k, v) => (typeof v === 'number' && isNaN(v)) ? 'NaN' : v)`)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// errorSamples returns the op/reason pairs of prom_query_errors samples.
func errorSamples(rt *modulestest.Runtime) []string {
	var out []string
	for _, s := range rt.SamplesOf("prom_query_errors") {
		op, _ := s.Tags.Get("op")
		reason, _ := s.Tags.Get("reason")
		out = append(out, fmt.Sprintf("%s/%s=%v", op, reason, s.Value))
	}
	return out
}

func warningsOf(rt *modulestest.Runtime) []string {
	var out []string
	for _, e := range rt.Logs() {
		if e.Level == logrus.WarnLevel {
			out = append(out, e.Message)
		}
	}
	return out
}

// The shim gives the native module's results, counts the same errors with
// the same tags and warns the same warnings, call by call.
func TestPromShimMatchesNative(t *testing.T) {
	srv := fakeProm(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	down := closed.URL
	closed.Close()

	tests := []struct {
		name string
		body string
		// exactWarnings: the warnings must be equal, not only as many.
		exactWarnings bool
	}{
		{name: "query sorts by labels", body: "return c.query('up')", exactWarnings: true},
		{name: "query at a time", body: "return [c.query('up', { time: 1700000000 }), c.query('up', { time: new Date(0) }), c.query('up', { time: '2024-01-02T03:04:05Z' })]", exactWarnings: true},
		{name: "scalar result", body: "return c.query('scalar(1)')", exactWarnings: true},
		{name: "no series: did you mean", body: "return [c.query('redis_used_memory_bytes'), c.query('redis_used_memory_bytes'), c.scalar('rate(nope_total[5m])'), c.query('sum(up) by (job) > 1e9')]", exactWarnings: true},
		{name: "queryRange", body: "return [c.queryRange('up', { start: 0, end: 60, step: '15s' }), c.queryRange('up', { start: new Date(0), end: '60', step: 15000 })]", exactWarnings: true},
		{name: "queryRange with no series", body: "return c.queryRange('nothing', { start: 0, end: 60, step: '15s' })", exactWarnings: true},
		{name: "queryRange without step", body: "return c.queryRange('up', { start: 0, end: 60 })", exactWarnings: true},
		{name: "queryRange backwards", body: "return c.queryRange('up', { start: 60, end: 0, step: '1s' })"}, // Go words the times in the local zone
		{name: "scalar", body: "return [c.scalar('sum(up)'), c.scalar('scalar(1)'), c.scalar('up'), c.scalar('redis_used_memory_bytes')]", exactWarnings: true},
		{name: "snapshot default", body: "return c.snapshot()", exactWarnings: true},
		{name: "snapshot list and object", body: "return [c.snapshot(['up', 'up', 'pg_stat_database_xact_commit']), c.snapshot({ a: 'up', b: 'scalar(1)', c: '', d: 'up[5m]' })]", exactWarnings: true},
		{name: "diff", body: "const b = c.snapshot(['up', 'sum(up)']); return [c.diff(b, { up: 4, x: 1 }), prom.diff({ a: 1, b: 2 }, { b: 5, c: 1 }), prom.diff(null, undefined)]", exactWarnings: true},
		{name: "bad query", body: "return [c.query('bad('), c.query('bad(')]", exactWarnings: true},
		{name: "execution error", body: "return c.query('exec')", exactWarnings: true},
		{name: "HTTP 500 echoing the token", body: "return [c.query('boom'), c.scalar('boom'), c.snapshot(['boom'])]", exactWarnings: true},
		{name: "HTTP 418", body: "return c.query('teapot')", exactWarnings: true},
		{name: "empty query", body: "return [c.query(''), c.scalar('  ')]", exactWarnings: true},
		{name: "range vector in an instant query", body: "return c.query('up[5m]')", exactWarnings: true},
		{name: "not JSON", body: "return c.query('notjson')"},
		{name: "wrong token", body: "const w = new prom.Client({ url: URL, bearerToken: 'nope' }); return [w.query('up'), w.scalar('up')]", exactWarnings: true},
		{name: "timeout", body: "const s = new prom.Client({ url: URL, bearerToken: TOKEN, timeout: '200ms' }); return [s.query('slow'), s.snapshot(['slow'])]"},
		{name: "down", body: "const d = new prom.Client({ url: DOWN, timeout: 2000 }); return [d.query('up'), d.queryRange('up', { start: 0, end: 1, step: '1s' }), d.scalar('up'), d.snapshot(), d.query('up')]"},
		{name: "client shape", body: "return [c instanceof prom.Client, Object.keys(c), c.url, typeof c.query, new prom.Client({ url: 'http://user:pw@127.0.0.1:1/prefix' }).url, JSON.stringify(c).includes(TOKEN)]"},
		{name: "exports", body: "return [Object.keys(prom).sort(), Object.keys(prom.default).sort(), prom.DEFAULT_TIMEOUT, prom.DEFAULT_SNAPSHOT_QUERIES, prom.default.Client === prom.Client]"},
		{name: "metric names and suggestions", body: "return [prom.metricNamesInQuery('sum(rate(x_total{__name__=\"y\"}[5m])) by (job) / on(a) group_left b # c'), prom.suggestMetricNames('redis_used_memory_bytes', ['redis_memory_used_bytes', 'up', 'redis_used_memory'], 2), prom.suggestMetricNames('x', [])]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPromPair(t)
			p.toVUContext()
			prelude := fmt.Sprintf("var URL = %q, TOKEN = %q, DOWN = %q; var c = new prom.Client({ url: URL, bearerToken: TOKEN, timeout: '5s' }); ", srv.URL, promToken, down)
			want, errN := jsonOf(p.native, prelude+tt.body)
			got, errS := jsonOf(p.shim, prelude+tt.body)
			if errN != nil || errS != nil {
				t.Fatalf("native error %v, shim error %v", errN, errS)
			}
			if got != want {
				t.Errorf("results differ\nshim:   %s\nnative: %s", got, want)
			}
			if gs, ns := errorSamples(p.shim), errorSamples(p.native); !slices.Equal(gs, ns) {
				t.Errorf("prom_query_errors samples differ\nshim:   %v\nnative: %v", gs, ns)
			}
			// Sorted: the native snapshot runs its queries concurrently.
			gw, nw := warningsOf(p.shim), warningsOf(p.native)
			slices.Sort(gw)
			slices.Sort(nw)
			if tt.exactWarnings {
				if !slices.Equal(gw, nw) {
					t.Errorf("warnings differ\nshim:   %q\nnative: %q", gw, nw)
				}
			} else if len(gw) != len(nw) {
				t.Errorf("%d warnings, native %d\nshim:   %q\nnative: %q", len(gw), len(nw), gw, nw)
			}
			for _, w := range gw {
				if strings.Contains(w, promToken) || strings.Contains(w, "pw@") {
					t.Errorf("a warning shows a secret: %q", w)
				}
			}
		})
	}
}

// Bad arguments throw the native module's messages.
func TestPromShimScriptErrors(t *testing.T) {
	tests := []struct{ name, src string }{
		{"no config", `new prom.Client()`},
		{"empty url", `new prom.Client({})`},
		{"not an object", `new prom.Client('http://x')`},
		{"everything wrong", `new prom.Client({ url: 'ftp://x', timeout: 'soon', headers: [], tokn: 'x' })`},
		{"no host", `new prom.Client({ url: 'http://' })`},
		{"negative timeout", `new prom.Client({ url: 'http://x', timeout: -5 })`},
		{"bad header name", `new prom.Client({ url: 'http://x', headers: { 'a b': 'c' } })`},
		{"bearer and authorization", `new prom.Client({ url: 'http://x', bearerToken: 't', headers: { Authorization: 'Basic x' } })`},
		{"bad time", `new prom.Client({ url: 'http://127.0.0.1:1' }).query('up', { time: 'yesterday-ish' })`},
		{"range without options", `new prom.Client({ url: 'http://127.0.0.1:1' }).queryRange('up')`},
		{"range without start", `new prom.Client({ url: 'http://127.0.0.1:1' }).queryRange('up', { end: 1, step: '1s' })`},
		{"range with a bad step", `new prom.Client({ url: 'http://127.0.0.1:1' }).queryRange('up', { start: 0, end: 1, step: 'often' })`},
		{"bad snapshot queries", `new prom.Client({ url: 'http://127.0.0.1:1' }).snapshot(42)`},
	}
	// The part of an exception that both runtimes word alike: from "prom:".
	message := func(err error) string {
		if err == nil {
			return "<no error>"
		}
		s := err.Error()
		if i := strings.Index(s, "prom:"); i >= 0 {
			s = s[i:]
		}
		if i := strings.Index(s, "\n"); i >= 0 {
			s = s[:i]
		}
		if i := strings.LastIndex(s, " at "); i >= 0 {
			s = s[:i] // the stack position
		}
		return s
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPromPair(t)
			_, errN := p.native.RunScript(tt.src)
			_, errS := p.shim.RunScript(tt.src)
			if errN == nil || errS == nil {
				t.Fatalf("native error %v, shim error %v; want both to throw", errN, errS)
			}
			if n, s := message(errN), message(errS); s != n {
				t.Errorf("messages differ\nshim:   %s\nnative: %s", s, n)
			}
			if strings.Contains(errS.Error(), "Basic x") {
				t.Errorf("the error shows a header value: %v", errS)
			}
		})
	}
}

// Stock k6 cannot send requests from the init context; the shim says what
// to do instead.
func TestPromShimInitContext(t *testing.T) {
	vu := newShimVU(t, "import { Client } from 'k6/x/prom';\nexport { Client };\n")
	err := vu.evalErr(t, "new Client({ url: 'http://127.0.0.1:1' }).scalar('up')")
	if !strings.Contains(err, "cannot query Prometheus in the init context") || !strings.Contains(err, "setup()") {
		t.Fatalf("error %q does not explain the init context", err)
	}
}

// The shim's requests are ordinary k6/http requests, named after the
// operation, but they never count in http_req_failed nor carry the
// expected_response tag, even when Prometheus fails.
func TestPromShimRequestsAreNeverFailed(t *testing.T) {
	srv := fakeProm(t)
	vu := newShimVU(t, "import { Client } from 'k6/x/prom';\nexport { Client };\n")
	vu.MoveToVUContext(vu.NewState())
	vu.set(t, map[string]any{"URL": srv.URL, "TOKEN": promToken})
	vu.eval(t, "const c = new Client({ url: URL, bearerToken: TOKEN }); c.query('boom'); c.snapshot(['up', 'bad(']); c.scalar('up');")
	if n := len(vu.SamplesOf("http_req_failed")); n != 0 {
		t.Fatalf("%d http_req_failed samples, want none", n)
	}
	reqs := vu.SamplesOf("http_reqs")
	var names []string
	for _, s := range reqs {
		name, _ := s.Tags.Get("name")
		names = append(names, name)
		if _, ok := s.Tags.Get("expected_response"); ok {
			t.Errorf("request %s is tagged expected_response", name)
		}
	}
	if want := []string{"prometheus query", "prometheus snapshot", "prometheus snapshot", "prometheus scalar"}; !slices.Equal(names, want) {
		t.Fatalf("requests %q, want %q", names, want)
	}
}

// Prometheus answers are read even when the script discards response bodies.
func TestPromShimWithDiscardResponseBodies(t *testing.T) {
	srv := fakeProm(t)
	discard := true
	vu := newShimVU(t, "import { Client } from 'k6/x/prom';\nexport { Client };\n",
		modulestest.WithOptions(&config.Options{DiscardResponseBodies: &discard}))
	vu.MoveToVUContext(vu.NewState())
	vu.set(t, map[string]any{"URL": srv.URL, "TOKEN": promToken})
	got, err := jsonOf(vu.Runtime, "const c = new Client({ url: URL, bearerToken: TOKEN }); return [c.scalar('sum(up)'), c.snapshot(['sum(up)'])]")
	if err != nil {
		t.Fatal(err)
	}
	if got != `[1,{"sum(up)":1}]` {
		t.Fatalf("got %s, want the answers read", got)
	}
}
