package http

import (
	"net/url"
	"strings"
	"testing"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/js/modulestest"
	"github.com/stampede-load/stampede/metrics"
)

// newVU returns a test VU past its init context, with k6/http required as
// the global `http` and the server's URL as the global `URL`.
func newVU(t testing.TB, srvURL string, opts *config.Options) (*modulestest.Runtime, *modules.State) {
	t.Helper()
	if opts == nil {
		opts = &config.Options{}
	}
	rt := modulestest.New(t, modulestest.WithOptions(opts))
	if _, err := rt.RunScript(`var http = require("k6/http");`); err != nil {
		t.Fatal(err)
	}
	if err := rt.Sobek().Set("URL", srvURL); err != nil {
		t.Fatal(err)
	}
	st := rt.NewState()
	rt.MoveToVUContext(st)
	t.Cleanup(func() {
		if tr, ok := st.Transport.(*Transport); ok {
			tr.CloseIdleConnections()
		}
	})
	return rt, st
}

// js runs src and fails the test on an exception.
func js(t testing.TB, rt *modulestest.Runtime, src string) sobek.Value {
	t.Helper()
	v, err := rt.RunScript(src)
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, src)
	}
	return v
}

// jsErr runs src and returns its exception's message ("" when none).
func jsErr(t testing.TB, rt *modulestest.Runtime, src string) string {
	t.Helper()
	_, err := rt.RunScript(src)
	if err == nil {
		return ""
	}
	return err.Error()
}

func tagsOf(s metrics.Sample) map[string]string {
	m := s.Tags.Map()
	if m == nil {
		m = map[string]string{}
	}
	return m
}

// byMetric groups samples by metric name.
func byMetric(samples []metrics.Sample) map[string][]metrics.Sample {
	out := map[string][]metrics.Sample{}
	for _, s := range samples {
		out[s.Metric.Name] = append(out[s.Metric.Name], s)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func mustContain(t testing.TB, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("%q does not contain %q", got, want)
	}
}

func urlParse(s string) (*url.URL, error) { return url.Parse(s) }
