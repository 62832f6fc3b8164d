package prom

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/stampede-load/stampede/prom/internal/promtest"
)

// Tests against a real Prometheus server (see server_test.go).

func newRealClient(t *testing.T, s *promtest.Server) (*Client, *logtest.Hook) {
	t.Helper()
	logger, hook := logtest.NewNullLogger()
	c, err := New(Config{URL: s.URL, Timeout: 5 * time.Second, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return c, hook
}

func warnings(hook *logtest.Hook) []string {
	var out []string
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.WarnLevel {
			out = append(out, e.Message)
		}
	}
	return out
}

func TestRealQuery(t *testing.T) {
	s := promtest.Shared(t)
	c, hook := newRealClient(t, s)
	ctx := context.Background()

	tests := []struct {
		name   string
		query  string
		want   []float64
		labels map[string]string // of the first sample
	}{
		{"gauge", "redis_memory_used_bytes", []float64{1234}, map[string]string{"__name__": "redis_memory_used_bytes", "job": "stampede_test"}},
		{"vector of two series", "pg_stat_database_xact_commit", []float64{10, 5}, map[string]string{"datname": "app"}},
		{"aggregation", "sum(pg_stat_database_xact_commit)", []float64{15}, map[string]string{}},
		{"scalar result", "scalar(sum(pg_stat_database_xact_commit)) * 2", []float64{30}, map[string]string{}},
		{"literal", "1 + 1", []float64{2}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.Query(ctx, tt.query, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != len(tt.want) {
				t.Fatalf("got %d samples %+v, want %d", len(res), res, len(tt.want))
			}
			got := map[float64]bool{}
			for _, r := range res {
				got[r.Value] = true
				if time.Since(r.Timestamp) > time.Minute || r.Timestamp.After(time.Now().Add(time.Second)) {
					t.Errorf("timestamp %v is not about now", r.Timestamp)
				}
			}
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("value %v missing from %+v", w, res)
				}
			}
			first := res[0] // sorted by labels: datname="app" before "postgres"
			for k, v := range tt.labels {
				if first.Metric[k] != v {
					t.Errorf("label %s = %q, want %q (labels %v)", k, first.Metric[k], v, first.Metric)
				}
			}
		})
	}
	if w := warnings(hook); len(w) != 0 {
		t.Errorf("unexpected warnings: %q", w)
	}

	t.Run("time in the past has no data", func(t *testing.T) {
		res, err := c.Query(ctx, "redis_memory_used_bytes", time.Now().Add(-24*time.Hour))
		if err != nil || len(res) != 0 {
			t.Fatalf("got %v, %v; want no series and no error", res, err)
		}
		w := warnings(hook)
		if len(w) != 1 || !strings.Contains(w[0], "its metrics exist, so check the label matchers and the time range") {
			t.Errorf("warnings = %q", w)
		}
	})

	t.Run("invalid PromQL", func(t *testing.T) {
		_, err := c.Query(ctx, "sum(", time.Time{})
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Reason != ReasonBadQuery {
			t.Fatalf("err = %v, want a QueryError with reason bad_query", err)
		}
	})

	t.Run("range vector in an instant query", func(t *testing.T) {
		_, err := c.Query(ctx, "redis_memory_used_bytes[10s]", time.Time{})
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Reason != ReasonBadQuery || !strings.Contains(err.Error(), "use a range query") {
			t.Fatalf("err = %v, want a bad_query QueryError suggesting a range query", err)
		}
	})
}

func TestRealQueryRange(t *testing.T) {
	s := promtest.Shared(t)
	c, _ := newRealClient(t, s)
	ctx := context.Background()
	// Wait for at least three scrapes so that a 1s-step range has several points.
	promtest.WaitFor(t, "three scrapes", func() bool {
		v, err := c.Scalar(ctx, "count_over_time(redis_memory_used_bytes[1m])")
		return err == nil && v >= 3
	})
	end := time.Now()
	start := end.Add(-10 * time.Second)
	series, err := c.QueryRange(ctx, "redis_memory_used_bytes", start, end, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 {
		t.Fatalf("got %d series, want 1: %+v", len(series), series)
	}
	pts := series[0].Points
	if len(pts) < 2 {
		t.Fatalf("got %d points, want at least 2", len(pts))
	}
	for i, p := range pts {
		if p.V != 1234 {
			t.Errorf("point %d value %v, want 1234", i, p.V)
		}
		if p.T.Before(start.Add(-time.Second)) || p.T.After(end.Add(time.Second)) {
			t.Errorf("point %d time %v outside [%v, %v]", i, p.T, start, end)
		}
		if i > 0 && p.T.Sub(pts[i-1].T) != time.Second {
			t.Errorf("points %d and %d are %v apart, want the 1s step", i-1, i, p.T.Sub(pts[i-1].T))
		}
	}
	if series[0].Metric["__name__"] != "redis_memory_used_bytes" {
		t.Errorf("labels %v", series[0].Metric)
	}

	t.Run("step must be positive", func(t *testing.T) {
		_, err := c.QueryRange(ctx, "up", start, end, 0)
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Reason != ReasonBadQuery || !strings.Contains(err.Error(), "step") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("end before start", func(t *testing.T) {
		_, err := c.QueryRange(ctx, "up", end, start, time.Second)
		if err == nil || !strings.Contains(err.Error(), "is before start") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestRealScalar(t *testing.T) {
	s := promtest.Shared(t)
	c, hook := newRealClient(t, s)
	ctx := context.Background()
	tests := []struct {
		name   string
		query  string
		want   float64 // NaN: expect NaN
		reason Reason  // "" = no error
	}{
		{"one series", "redis_memory_used_bytes", 1234, ""},
		{"aggregated", "sum(pg_stat_database_xact_commit)", 15, ""},
		{"scalar", "scalar(redis_memory_used_bytes) / 2", 617, ""},
		{"several series", "pg_stat_database_xact_commit", math.NaN(), ReasonNotScalar},
		{"no series", "redis_used_memory_bytes", math.NaN(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := c.Scalar(ctx, tt.query)
			if tt.reason != "" {
				var qe *QueryError
				if !errors.As(err, &qe) || qe.Reason != tt.reason {
					t.Fatalf("err = %v, want reason %s", err, tt.reason)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if math.IsNaN(tt.want) != math.IsNaN(v) || (!math.IsNaN(v) && v != tt.want) {
				t.Errorf("got %v, want %v", v, tt.want)
			}
		})
	}
	if w := warnings(hook); len(w) != 1 || !strings.Contains(w[0], "did you mean redis_memory_used_bytes?") {
		t.Errorf("warnings = %q, want one did-you-mean warning", w)
	}
}

func TestRealDidYouMean(t *testing.T) {
	s := promtest.Shared(t)
	c, hook := newRealClient(t, s)
	ctx := context.Background()

	res, err := c.Query(ctx, "redis_used_memory_bytes", time.Time{})
	if err != nil || len(res) != 0 {
		t.Fatalf("got %v, %v; want an empty result and no error", res, err)
	}
	w := warnings(hook)
	if len(w) != 1 {
		t.Fatalf("warnings = %q, want exactly one", w)
	}
	for _, want := range []string{`query "redis_used_memory_bytes" returned no series`, `metric "redis_used_memory_bytes" does not exist`, "did you mean redis_memory_used_bytes?", s.URL} {
		if !strings.Contains(w[0], want) {
			t.Errorf("warning %q lacks %q", w[0], want)
		}
	}

	// The same query again: no second warning from this client.
	if _, err := c.Query(ctx, "redis_used_memory_bytes", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n := len(warnings(hook)); n != 1 {
		t.Errorf("%d warnings after repeating the query, want 1 (warn once per query)", n)
	}

	// Inside functions and range selectors, with a label matcher.
	hook.Reset()
	if _, err := c.QueryRange(ctx, `max_over_time(redis_used_memory_bytes{job="stampede_test"}[1m])`, time.Now().Add(-time.Minute), time.Now(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if w := warnings(hook); len(w) != 1 || !strings.Contains(w[0], "did you mean redis_memory_used_bytes?") {
		t.Errorf("warnings = %q", w)
	}

	// A name with nothing close to it.
	hook.Reset()
	if _, err := c.Query(ctx, "zzz_qqq_nothing_like_it", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if w := warnings(hook); len(w) != 1 || !strings.Contains(w[0], "no similar name was found") {
		t.Errorf("warnings = %q", w)
	}

	// Another client warns again: the memory is per client.
	c2, hook2 := newRealClient(t, s)
	if _, err := c2.Query(ctx, "redis_used_memory_bytes", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n := len(warnings(hook2)); n != 1 {
		t.Errorf("second client logged %d warnings, want 1", n)
	}
}

func TestRealSnapshotAndDiff(t *testing.T) {
	s := promtest.Shared(t)
	c, hook := newRealClient(t, s)
	ctx := context.Background()

	before, err := c.Snapshot(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 4 {
		t.Fatalf("snapshot has %d entries, want the 4 seed metrics: %v", len(before), before)
	}
	want := map[string]float64{
		"redis_connected_clients":      7,
		"redis_used_memory_bytes":      math.NaN(),
		"pg_stat_database_xact_commit": 15,
		"pg_stat_database_blks_read":   100,
	}
	for k, v := range want {
		got, ok := before[k]
		if !ok || math.IsNaN(got) != math.IsNaN(v) || (!math.IsNaN(v) && got != v) {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if w := warnings(hook); len(w) != 1 || !strings.Contains(w[0], "did you mean redis_memory_used_bytes?") {
		t.Errorf("warnings = %q", w)
	}

	// Change the target and wait until Prometheus has scraped the change.
	s.Target.ConnectedClients.Set(9)
	t.Cleanup(func() {
		// Put it back and wait for the scrape, so that later tests (and
		// -count=N runs) see the documented value again.
		s.Target.ConnectedClients.Set(7)
		promtest.WaitFor(t, "the scrape of redis_connected_clients=7", func() bool {
			v, err := c.Scalar(ctx, "redis_connected_clients")
			return err == nil && v == 7
		})
	})
	promtest.WaitFor(t, "the scrape of redis_connected_clients=9", func() bool {
		v, err := c.Scalar(ctx, "redis_connected_clients")
		return err == nil && v == 9
	})
	after, err := c.Snapshot(ctx, map[string]string{
		"redis_connected_clients": "redis_connected_clients",
		"commits":                 "sum(pg_stat_database_xact_commit)",
	})
	if err != nil {
		t.Fatal(err)
	}
	d := Diff(before, after)
	if d["redis_connected_clients"] != 2 {
		t.Errorf("diff redis_connected_clients = %v, want 2", d["redis_connected_clients"])
	}
	for _, k := range []string{"commits", "redis_used_memory_bytes", "pg_stat_database_xact_commit"} {
		if !math.IsNaN(d[k]) {
			t.Errorf("diff %s = %v, want NaN (present on one side only)", k, d[k])
		}
	}
}

func TestRealSnapshotWithFailingQuery(t *testing.T) {
	s := promtest.Shared(t)
	c, _ := newRealClient(t, s)
	snap, err := c.Snapshot(context.Background(), map[string]string{"ok": "redis_memory_used_bytes", "broken": "sum("})
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Reason != ReasonBadQuery || qe.Op != "snapshot" {
		t.Fatalf("err = %v, want a snapshot bad_query QueryError", err)
	}
	if snap["ok"] != 1234 || !math.IsNaN(snap["broken"]) {
		t.Errorf("snapshot = %v, want ok=1234 and broken=NaN", snap)
	}
}

func TestRealMetricNames(t *testing.T) {
	s := promtest.Shared(t)
	c, _ := newRealClient(t, s)
	names, err := c.MetricNames(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range names {
		found = found || n == "redis_memory_used_bytes"
	}
	if !found {
		t.Errorf("redis_memory_used_bytes missing from %v", names)
	}
}
