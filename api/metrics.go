package api

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/stampede-load/stampede/metrics"
	"github.com/stampede-load/stampede/summary"
)

// sampleStat is one value of a metric's sample: its name and aggregation.
type sampleStat struct {
	name string
	agg  metrics.Aggregation
}

// sampleStats are the values k6 gives in a metric's sample, per type: the
// summary's default trend stats for trends.
var sampleStats = map[metrics.MetricType][]sampleStat{
	metrics.Counter: stats("count", "rate"),
	metrics.Gauge:   stats("value"),
	metrics.Rate:    stats("rate"),
	metrics.Trend:   stats(summary.DefaultTrendStats...),
}

func stats(names ...string) []sampleStat {
	out := make([]sampleStat, len(names))
	for i, n := range names {
		a, err := metrics.ParseAggregation(n)
		if err != nil {
			panic(err) // a bug in the lists above
		}
		out[i] = sampleStat{name: n, agg: a}
	}
	return out
}

// snapshot returns the metrics engine's current snapshot (an empty one
// without an engine).
func (s *Server) snapshot() *metrics.Snapshot {
	if s.cfg.Metrics == nil {
		return &metrics.Snapshot{Metrics: map[string]*metrics.MetricSnapshot{}}
	}
	return s.cfg.Metrics.Snapshot()
}

// MetricFromSnapshot returns the API's view of one metric of a snapshot
// taken elapsed into the run (counter rates divide by it).
func MetricFromSnapshot(ms *metrics.MetricSnapshot, elapsed time.Duration) Metric {
	m := Metric{Type: ms.Metric.Type.String(), Contains: ms.Metric.Contains.String(), Sample: map[string]float64{}}
	for _, st := range sampleStats[ms.Metric.Type] {
		if v, ok := ms.Sink.Aggregate(st.agg, elapsed); ok {
			m.Sample[st.name] = v
		}
	}
	if len(ms.Thresholds) > 0 {
		tainted := false
		for _, r := range ms.Thresholds {
			if !r.OK {
				tainted = true
			}
		}
		m.Tainted = &tainted
	}
	return m
}

// metricResources lists the snapshot's metrics by name; sub-metrics
// (`name{tags}`) are not listed, as in k6.
func metricResources(snap *metrics.Snapshot) []Resource[Metric] {
	out := make([]Resource[Metric], 0, len(snap.Metrics))
	for key, ms := range snap.Metrics {
		if strings.ContainsRune(key, '{') {
			continue
		}
		out = append(out, Resource[Metric]{Type: typeMetrics, ID: key, Attributes: MetricFromSnapshot(ms, snap.Elapsed)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Server) getMetrics(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, Document[[]Resource[Metric]]{Data: metricResources(s.snapshot())})
}

func (s *Server) getMetric(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	snap := s.snapshot()
	ms := snap.Metrics[id]
	if ms == nil || strings.ContainsRune(id, '{') {
		writeError(w, http.StatusNotFound, "Metric not found", "no metric named "+quote(id)+" has samples or thresholds")
		return
	}
	writeJSON(w, http.StatusOK, Document[Resource[Metric]]{Data: Resource[Metric]{
		Type: typeMetrics, ID: id, Attributes: MetricFromSnapshot(ms, snap.Elapsed),
	}})
}
