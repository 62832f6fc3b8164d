package http

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/metrics"
)

// benchServer answers every request with a small JSON body, like a typical
// API under test.
func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	body := []byte(`{"userId":"usr_123","tokens":5,"status":"idle","sessionId":null}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkGet is one GET through Client.Do: the Go request path with its
// timings, tags and samples (what every k6/http request costs besides JS).
func BenchmarkGet(b *testing.B) {
	srv := benchServer(b)
	rt, st := newVU(b, srv.URL, nil)
	st.Samples = metrics.NewBuffer(metrics.IngesterFunc(func([]metrics.Sample) {}), 0)
	c, err := ClientFor(rt.VU())
	if err != nil {
		b.Fatal(err)
	}
	req := &Request{URL: srv.URL + "/me"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Do(ctx, req)
		if err != nil || resp.Status != 200 {
			b.Fatal(err, resp.Error)
		}
	}
}

// BenchmarkGetJS is `http.get(url)` from JavaScript, reading res.status.
func BenchmarkGetJS(b *testing.B) {
	srv := benchServer(b)
	rt, st := newVU(b, srv.URL, nil)
	st.Samples = metrics.NewBuffer(metrics.IngesterFunc(func([]metrics.Sample) {}), 0)
	fv := js(b, rt, `(function () { var r = http.get(URL + "/me"); if (r.status !== 200) throw new Error(r.error); })`)
	fn, ok := sobek.AssertFunction(fv)
	if !ok {
		b.Fatal("not a function")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fn(sobek.Undefined()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineNetHTTP is what `hey` does per request: http.Client.Get
// and reading the body, no timings or samples. BenchmarkGet is compared to it.
func BenchmarkBaselineNetHTTP(b *testing.B) {
	srv := benchServer(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 10}}
	b.Cleanup(client.CloseIdleConnections)
	u := srv.URL + "/me"
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
}
