package promjs

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/js/modulestest"
	"github.com/stampede-load/stampede/prom/internal/promtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	promtest.StopShared()
	os.Exit(code)
}

// newVU returns a test VU in the init context.
func newVU(t *testing.T) *modulestest.Runtime {
	t.Helper()
	return modulestest.New(t)
}

// run evaluates src and returns its completion value as JSON (NaN becomes
// "NaN" thanks to the replacer below).
func run(t *testing.T, rt *modulestest.Runtime, src string) string {
	t.Helper()
	v, err := rt.RunScript(`JSON.stringify((function(){ ` + src + ` })(), (k, v) => (typeof v === 'number' && isNaN(v)) ? 'NaN' : v)`)
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, src)
	}
	return v.String()
}

func warnings(rt *modulestest.Runtime) []string {
	var out []string
	for _, e := range rt.Logs() {
		if e.Level == logrus.WarnLevel {
			out = append(out, e.Message)
		}
	}
	return out
}

func TestRealPrometheusThroughJS(t *testing.T) {
	s := promtest.Shared(t)
	rt := newVU(t)
	rt.MoveToVUContext(rt.NewState())
	prelude := fmt.Sprintf(`const { Client } = require('k6/x/prom'); const c = new Client({ url: %q, timeout: '5s' });`, s.URL)
	// Let a few scrapes accumulate for the range query.
	promtest.WaitFor(t, "three scrapes", func() bool {
		return run(t, rt, prelude+`return c.scalar('count_over_time(redis_memory_used_bytes[1m])') >= 3`) == "true"
	})

	t.Run("query", func(t *testing.T) {
		got := run(t, rt, prelude+`
			const r = c.query('pg_stat_database_xact_commit');
			const now = Date.now() / 1000;
			return r.map((s) => [s.metric.__name__, s.metric.datname, s.metric.job, s.value, Math.abs(now - s.timestamp) < 60]);`)
		want := `[["pg_stat_database_xact_commit","app","stampede_test",10,true],["pg_stat_database_xact_commit","postgres","stampede_test",5,true]]`
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("query at a time", func(t *testing.T) {
		got := run(t, rt, prelude+`return [c.query('redis_memory_used_bytes', { time: new Date() }).length,
			c.query('redis_memory_used_bytes', { time: Date.now() / 1000 - 86400 }).length,
			c.query('redis_memory_used_bytes', { time: new Date().toISOString() }).length]`)
		if got != `[1,0,1]` {
			t.Errorf("got %s", got)
		}
	})
	t.Run("queryRange", func(t *testing.T) {
		got := run(t, rt, prelude+`
			const r = c.queryRange('redis_memory_used_bytes', { start: new Date(Date.now() - 10000), end: new Date(), step: '1s' });
			const v = r[0].values;
			return [r.length, r[0].metric.__name__, v.length >= 2, v.every((p) => p[1] === 1234), v[1][0] - v[0][0]];`)
		if got != `[1,"redis_memory_used_bytes",true,true,1]` {
			t.Errorf("got %s", got)
		}
	})
	t.Run("scalar", func(t *testing.T) {
		got := run(t, rt, prelude+`return [c.scalar('sum(pg_stat_database_xact_commit)'), c.scalar('redis_memory_used_bytes / 2')]`)
		if got != `[15,617]` {
			t.Errorf("got %s", got)
		}
	})
	t.Run("snapshot, diff and did you mean", func(t *testing.T) {
		before := len(warnings(rt))
		got := run(t, rt, prelude+`
			const c2 = new Client({ url: c.url, timeout: '5s' }); // same options: shares the warn-once memory
			const a = c.snapshot();
			const b = c2.snapshot(['redis_connected_clients', 'redis_used_memory_bytes']);
			const named = c.snapshot({ commits: 'sum(pg_stat_database_xact_commit)' });
			return [Object.keys(a), a, b, named, c.diff(a, b)];`)
		want := `[["redis_connected_clients","redis_used_memory_bytes","pg_stat_database_xact_commit","pg_stat_database_blks_read"],` +
			`{"redis_connected_clients":7,"redis_used_memory_bytes":"NaN","pg_stat_database_xact_commit":15,"pg_stat_database_blks_read":100},` +
			`{"redis_connected_clients":7,"redis_used_memory_bytes":"NaN"},` +
			`{"commits":15},` +
			`{"redis_connected_clients":0,"redis_used_memory_bytes":"NaN","pg_stat_database_xact_commit":"NaN","pg_stat_database_blks_read":"NaN"}]`
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		w := warnings(rt)[before:]
		if len(w) != 1 || !strings.Contains(w[0], "did you mean redis_memory_used_bytes?") {
			t.Errorf("warnings = %q, want one did-you-mean warning for both clients", w)
		}
		if n := len(rt.SamplesOf(QueryErrorsName)); n != 0 {
			t.Errorf("%d prom_query_errors samples, want 0 (no series is not an error)", n)
		}
	})
}

// fakeProm is an httptest Prometheus API whose behaviour a test switches.
type fakeProm struct {
	srv   *httptest.Server
	mode  atomic.Value // string
	auths atomic.Value // string: the last Authorization header
}

func newFakeProm(t *testing.T) *fakeProm {
	f := &fakeProm{}
	f.mode.Store("ok")
	f.auths.Store("")
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		f.auths.Store(r.Header.Get("Authorization"))
		switch f.mode.Load().(string) {
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "500":
			http.Error(w, "internal error for "+r.Header.Get("Authorization"), http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"b"},"value":[1700000000.25,"1"]},{"metric":{"__name__":"up","job":"a"},"value":[1700000000.25,"0"]}]}}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

const token = "sekr1t-bearer-T0KEN"

func TestFailuresNeverFailTheTest(t *testing.T) {
	f := newFakeProm(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name, url, mode, reason string
	}{
		{"down", closedURL, "ok", "unreachable"},
		{"slow", f.srv.URL, "slow", "timeout"},
		{"500 echoing the token", f.srv.URL, "500", "server_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.mode.Store(tt.mode)
			rt := newVU(t)
			rt.MoveToVUContext(rt.NewState())
			got := run(t, rt, fmt.Sprintf(`
				const { Client } = require('k6/x/prom');
				const c = new Client({ url: %q, bearerToken: %q, timeout: '200ms' });
				const out = [c.query('up'), c.queryRange('up', { start: 0, end: 60, step: 15000 }), c.scalar('up'), c.snapshot(['up']), c.query('up')];
				return out;`, tt.url, token))
			if got != `[[],[],"NaN",{"up":"NaN"},[]]` {
				t.Errorf("results %s, want empty ones", got)
			}
			samples := rt.SamplesOf(QueryErrorsName)
			if len(samples) != 5 {
				t.Fatalf("%d prom_query_errors samples, want 5 (one per failed call)", len(samples))
			}
			ops := map[string]int{}
			for _, s := range samples {
				op, _ := s.Tags.Get("op")
				reason, _ := s.Tags.Get("reason")
				ops[op]++
				if reason != tt.reason || s.Value != 1 {
					t.Errorf("sample %s=%v reason %q, want %q", op, s.Value, reason, tt.reason)
				}
				if sc, _ := s.Tags.Get("scenario"); sc != "default" && sc != "" {
					t.Errorf("scenario tag %q", sc)
				}
			}
			if fmt.Sprint(ops) != "map[query:2 query_range:1 scalar:1 snapshot:1]" {
				t.Errorf("ops %v", ops)
			}
			w := warnings(rt)
			if len(w) != 4 {
				t.Errorf("%d warnings, want 4 (once per op and reason): %q", len(w), w)
			}
			for _, m := range w {
				if strings.Contains(m, token) {
					t.Errorf("warning shows the token: %q", m)
				}
				if !strings.Contains(m, tt.reason) || !strings.Contains(m, "only counted in prom_query_errors") {
					t.Errorf("warning %q lacks the reason or the counter's name", m)
				}
			}
		})
	}
}

func TestBearerTokenAndResults(t *testing.T) {
	f := newFakeProm(t)
	rt := newVU(t)
	got := run(t, rt, fmt.Sprintf(`
		const prom = require('k6/x/prom');
		const c = new prom.Client({ url: %q, bearerToken: %q, headers: { 'X-Scope-OrgID': 'a' } });
		return [c instanceof prom.Client, Object.keys(c), c.query('up'), JSON.stringify(c).includes(%q)];`, f.srv.URL, token, token))
	// Sorted by labels; timestamps in Unix seconds; the client shows only its url.
	want := `[true,["url"],[{"metric":{"__name__":"up","job":"a"},"value":0,"timestamp":1700000000.25},{"metric":{"__name__":"up","job":"b"},"value":1,"timestamp":1700000000.25}],false]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if a := f.auths.Load().(string); a != "Bearer "+token {
		t.Errorf("Authorization = %q", a)
	}
}

func TestInitContextQueriesWarnWithoutSamples(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	u := closed.URL
	closed.Close()
	rt := newVU(t)
	got := run(t, rt, fmt.Sprintf(`const { Client } = require('k6/x/prom'); return new Client({ url: %q }).scalar('up')`, u))
	if got != `"NaN"` {
		t.Errorf("got %s", got)
	}
	if w := warnings(rt); len(w) != 1 {
		t.Errorf("warnings %q", w)
	}
}

func TestCancelledVUIsSilent(t *testing.T) {
	f := newFakeProm(t)
	f.mode.Store("slow")
	rt := newVU(t)
	rt.MoveToVUContext(rt.NewState())
	time.AfterFunc(50*time.Millisecond, rt.CancelContext)
	got := run(t, rt, fmt.Sprintf(`const { Client } = require('k6/x/prom'); return new Client({ url: %q }).query('up')`, f.srv.URL))
	if got != `[]` {
		t.Errorf("got %s", got)
	}
	if w := warnings(rt); len(w) != 0 {
		t.Errorf("warnings %q after the VU stopped, want none", w)
	}
	if n := len(rt.SamplesOf(QueryErrorsName)); n != 0 {
		t.Errorf("%d error samples after the VU stopped", n)
	}
}

func TestScriptErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no config", `new Client()`, "url is required"},
		{"empty url", `new Client({})`, "url is required"},
		{"everything wrong", `new Client({ url: 'ftp://x', timeout: 'soon', headers: [], tokn: 'x' })`,
			`prom: invalid client config: url "ftp://x" must use http or https; option "tokn" is unknown; known options: url, bearerToken, timeout, headers; timeout: invalid duration "soon": expected a value like 30s, 1m30s or 1d2h; headers must be an object`},
		{"unknown option", `new Client({ url: 'http://x', tokn: 'x' })`, `option "tokn" is unknown`},
		{"bearer and authorization", `new Client({ url: 'http://x', bearerToken: 't', headers: { Authorization: 'Basic x' } })`, "not both"},
		{"bad time", `new Client({ url: 'http://127.0.0.1:1' }).query('up', { time: 'yesterday-ish' })`, `time "yesterday-ish" is not a time`},
		{"range without options", `new Client({ url: 'http://127.0.0.1:1' }).queryRange('up')`, "the options object is required"},
		{"range without start", `new Client({ url: 'http://127.0.0.1:1' }).queryRange('up', { end: 1, step: '1s' })`, "start undefined is not a time"},
		{"bad snapshot queries", `new Client({ url: 'http://127.0.0.1:1' }).snapshot(42)`, "queries must be an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newVU(t)
			_, err := rt.RunScript(`const { Client } = require('k6/x/prom'); ` + tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "Basic x") {
				t.Errorf("error shows a header value: %v", err)
			}
		})
	}
}

func TestModuleExports(t *testing.T) {
	rt := newVU(t)
	v, err := rt.RunModule("", `
		import prom, { Client, diff, DEFAULT_SNAPSHOT_QUERIES, DEFAULT_TIMEOUT, metricNamesInQuery, suggestMetricNames } from 'k6/x/prom';
		export const out = JSON.stringify([
			prom.Client === Client, prom.diff === diff, DEFAULT_TIMEOUT, DEFAULT_SNAPSHOT_QUERIES,
			diff({ a: 1, b: 2 }, { b: 5, c: 1 }),
			metricNamesInQuery('sum(rate(x_total[5m])) by (job)'),
			suggestMetricNames('redis_used_memory_bytes', ['redis_memory_used_bytes', 'up']),
			metricNamesInQuery('1'),
		], (k, v) => (typeof v === 'number' && isNaN(v)) ? 'NaN' : v);`)
	if err != nil {
		t.Fatal(err)
	}
	got := v.ToObject(rt.Sobek()).Get("out").String()
	want := `[true,true,"10s",["redis_connected_clients","redis_used_memory_bytes","pg_stat_database_xact_commit","pg_stat_database_blks_read"],` +
		`{"b":3,"c":"NaN","a":"NaN"},["x_total"],["redis_memory_used_bytes"],[]]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var parsed []any
	if err := json.Unmarshal([]byte(got), &parsed); err != nil {
		t.Fatal(err)
	}
}
