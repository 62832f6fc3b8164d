package api_test

import (
	"crypto/md5"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stampede-load/stampede/api"
	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/metrics"
)

// run is a real metrics engine fed real samples.
type run struct {
	t       *testing.T
	reg     *metrics.Registry
	builtin *metrics.BuiltinMetrics
	engine  *metrics.Engine
	start   time.Time
	n       int
}

// newRun registers the built-in metrics and custom counters named custom,
// then starts the engine with thresholds.
func newRun(t *testing.T, thresholds map[string]config.Thresholds, custom ...string) *run {
	t.Helper()
	reg := metrics.NewRegistry()
	r := &run{t: t, reg: reg, builtin: metrics.RegisterBuiltins(reg), start: time.Unix(1_700_000_000, 0)}
	for _, name := range custom {
		if _, err := reg.NewMetric(name, metrics.Counter); err != nil {
			t.Fatal(err)
		}
	}
	e, err := metrics.NewEngine(reg, metrics.EngineOptions{
		Thresholds: thresholds,
		Elapsed:    func() time.Duration { return 2 * time.Second },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.engine = e
	return r
}

// add ingests one sample; tags are key, value pairs.
func (r *run) add(m *metrics.Metric, v float64, tags ...string) {
	kv := map[string]string{}
	for i := 0; i+1 < len(tags); i += 2 {
		kv[tags[i]] = tags[i+1]
	}
	r.n++
	r.engine.Ingest([]metrics.Sample{{Metric: m, Value: v, Time: r.start.Add(time.Duration(r.n) * time.Millisecond), Tags: metrics.NewTagSet(kv)}})
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestMetrics(t *testing.T) {
	r := newRun(t, map[string]config.Thresholds{
		"http_req_duration":             {{Source: "p(95)<10"}},
		"checks":                        {{Source: "rate>0.5"}},
		"http_req_duration{status:200}": {{Source: "max<1000"}},
		"errors":                        {{Source: "count<100"}},
	}, "errors") // thresholds, no samples
	b := r.builtin
	for i := 1; i <= 21; i++ { // 1..21 ms: med 11, p(90) 19, p(95) 20
		r.add(b.HTTPReqDuration, float64(i), "status", "200", "expected_response", "true")
	}
	for range 3 {
		r.add(b.HTTPReqs, 1)
	}
	r.add(b.DataReceived, 1024)
	r.add(b.VUs, 1)
	r.add(b.VUs, 5)
	r.add(b.VUs, 3) // the last value
	for _, ok := range []float64{1, 1, 0, 1} {
		r.add(b.Checks, ok, "check", "ok")
	}
	base, _ := start(t, api.Config{Controller: newRecorder(), Metrics: r.engine})

	trend := `"sample":{"avg":11,"min":1,"med":11,"max":21,"p(90)":19,"p(95)":20}`
	expect(t, "GET /v1/metrics", call(t, "GET", base+"/v1/metrics", ""), 200, `{"data":[
		{"type":"metrics","id":"checks","attributes":{"type":"rate","contains":"default","tainted":false,"sample":{"rate":0.75}}},
		{"type":"metrics","id":"data_received","attributes":{"type":"counter","contains":"data","tainted":null,"sample":{"count":1024,"rate":512}}},
		{"type":"metrics","id":"errors","attributes":{"type":"counter","contains":"default","tainted":false,"sample":{"count":0,"rate":0}}},
		{"type":"metrics","id":"http_req_duration","attributes":{"type":"trend","contains":"time","tainted":true,`+trend+`}},
		{"type":"metrics","id":"http_reqs","attributes":{"type":"counter","contains":"default","tainted":null,"sample":{"count":3,"rate":1.5}}},
		{"type":"metrics","id":"vus","attributes":{"type":"gauge","contains":"default","tainted":null,"sample":{"value":3}}}
	]}`)
	expect(t, "GET /v1/metrics/http_req_duration", call(t, "GET", base+"/v1/metrics/http_req_duration", ""), 200,
		`{"data":{"type":"metrics","id":"http_req_duration","attributes":{"type":"trend","contains":"time","tainted":true,`+trend+`}}}`)
	expect(t, "GET /v1/metrics/vus", call(t, "GET", base+"/v1/metrics/vus", ""), 200,
		`{"data":{"type":"metrics","id":"vus","attributes":{"type":"gauge","contains":"default","tainted":null,"sample":{"value":3}}}}`)
	// Registered but never measured, and unknown: not found.
	for _, id := range []string{"iterations", "nope", "http_req_duration%7Bstatus:200%7D"} {
		want := `no metric named "` + id + `" has samples or thresholds`
		if id[0] == 'h' {
			want = `no metric named "http_req_duration{status:200}" has samples or thresholds`
		}
		expect(t, "GET /v1/metrics/"+id, call(t, "GET", base+"/v1/metrics/"+id, ""), 404, errorDoc(404, "Metric not found", want))
	}
}

func TestMetricsWithoutEngine(t *testing.T) {
	base, _ := start(t, api.Config{Controller: newRecorder()})
	expect(t, "GET /v1/metrics", call(t, "GET", base+"/v1/metrics", ""), 200, `{"data":[]}`)
	expect(t, "GET /v1/groups", call(t, "GET", base+"/v1/groups", ""), 200, `{"data":[
		{"type":"groups","id":"`+md5hex("")+`","attributes":{"path":"","name":"","checks":[]},
		 "relationships":{"groups":{"data":[]},"parent":{"data":null}}}]}`)
}

// Groups and checks of two scenarios are merged by path; ids are the hex
// MD5 of the paths, as in k6.
func TestGroups(t *testing.T) {
	r := newRun(t, nil)
	b := r.builtin
	for _, sc := range []string{"browse", "buy"} {
		r.add(b.Checks, 1, "scenario", sc, "group", "", "check", "home ok")
		r.add(b.Checks, 1, "scenario", sc, "group", "::shop", "check", "listed")
		r.add(b.GroupDuration, 12, "scenario", sc, "group", "::shop")
		if sc == "buy" {
			r.add(b.Checks, 0, "scenario", sc, "group", "::shop::cart", "check", "paid")
			r.add(b.Checks, 1, "scenario", sc, "group", "::shop::cart", "check", "paid")
			r.add(b.Checks, 0, "scenario", sc, "group", "::shop", "check", "listed")
		}
	}
	r.add(b.GroupDuration, 3, "scenario", "browse", "group", "::about")
	base, _ := start(t, api.Config{Controller: newRecorder(), Metrics: r.engine})

	root, shop, cart, about := md5hex(""), md5hex("::shop"), md5hex("::shop::cart"), md5hex("::about")
	ref := func(id string) string { return `{"type":"groups","id":"` + id + `"}` }
	groups := map[string]string{
		root: `{"type":"groups","id":"` + root + `","attributes":{"path":"","name":"","checks":[
			{"id":"` + md5hex("::home ok") + `","path":"::home ok","name":"home ok","passes":2,"fails":0}]},
			"relationships":{"groups":{"data":[` + ref(shop) + `,` + ref(about) + `]},"parent":{"data":null}}}`,
		shop: `{"type":"groups","id":"` + shop + `","attributes":{"path":"::shop","name":"shop","checks":[
			{"id":"` + md5hex("::shop::listed") + `","path":"::shop::listed","name":"listed","passes":2,"fails":1}]},
			"relationships":{"groups":{"data":[` + ref(cart) + `]},"parent":{"data":` + ref(root) + `}}}`,
		cart: `{"type":"groups","id":"` + cart + `","attributes":{"path":"::shop::cart","name":"cart","checks":[
			{"id":"` + md5hex("::shop::cart::paid") + `","path":"::shop::cart::paid","name":"paid","passes":1,"fails":1}]},
			"relationships":{"groups":{"data":[]},"parent":{"data":` + ref(shop) + `}}}`,
		about: `{"type":"groups","id":"` + about + `","attributes":{"path":"::about","name":"about","checks":[]},
			"relationships":{"groups":{"data":[]},"parent":{"data":` + ref(root) + `}}}`,
	}
	expect(t, "GET /v1/groups", call(t, "GET", base+"/v1/groups", ""), 200,
		`{"data":[`+groups[root]+`,`+groups[shop]+`,`+groups[cart]+`,`+groups[about]+`]}`)
	for id, g := range groups {
		expect(t, "GET /v1/groups/"+id, call(t, "GET", base+"/v1/groups/"+id, ""), 200, `{"data":`+g+`}`)
	}
	expect(t, "GET /v1/groups/unknown", call(t, "GET", base+"/v1/groups/"+md5hex("::nope"), ""), 404,
		errorDoc(404, "Group not found", `no group has the id "`+md5hex("::nope")+`" (the hex MD5 of a group's path)`))
}
