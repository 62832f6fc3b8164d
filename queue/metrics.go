package queue

import (
	"context"
	"fmt"

	"github.com/stampede-load/stampede/metrics"
)

// Names of the client's metrics.
const (
	JoinLatencyName  = "queue_join_latency"
	MatchLatencyName = "queue_match_latency"
	LeaveLatencyName = "queue_leave_latency"
	ErrorRateName    = "error_rate"
)

// Metrics are the client's metric definitions.
type Metrics struct {
	JoinLatency  *metrics.Metric // Trend (time)
	MatchLatency *metrics.Metric // Trend (time)
	LeaveLatency *metrics.Metric // Trend (time)
	ErrorRate    *metrics.Metric // Rate, one sample per operation
}

// RegisterMetrics registers (or finds) the client's metrics in r. It fails
// when a name is already registered with another type, e.g. a script's own
// `new Trend('error_rate')`.
func RegisterMetrics(r *metrics.Registry) (*Metrics, error) {
	var m Metrics
	for _, d := range []struct {
		dst  **metrics.Metric
		name string
		typ  metrics.MetricType
		vt   metrics.ValueType
	}{
		{&m.JoinLatency, JoinLatencyName, metrics.Trend, metrics.Time},
		{&m.MatchLatency, MatchLatencyName, metrics.Trend, metrics.Time},
		{&m.LeaveLatency, LeaveLatencyName, metrics.Trend, metrics.Time},
		{&m.ErrorRate, ErrorRateName, metrics.Rate, metrics.Default},
	} {
		def, err := r.NewMetric(d.name, d.typ, d.vt)
		if err != nil {
			return nil, fmt.Errorf("queue: registering metric %s: %w", d.name, err)
		}
		*d.dst = def
	}
	return &m, nil
}

// metric returns the metric recorded for op ("" for error_rate); nil-safe.
func (m *Metrics) metric(op string) *metrics.Metric {
	if m == nil {
		return nil
	}
	switch op {
	case OpJoin:
		return m.JoinLatency
	case OpLeave:
		return m.LeaveLatency
	case OpWaitForMatch:
		return m.MatchLatency
	default:
		return m.ErrorRate
	}
}

// Sink receives the client's samples; in k6/x/queue, the running VU's sample
// buffer. Both methods are called on the goroutine of the operation.
type Sink interface {
	// Tags returns the tags every sample starts from (the VU's tags); nil is fine.
	Tags() *metrics.TagSet
	// Add takes the samples.
	Add(samples ...metrics.Sample)
}

// record adds one sample of m tagged with region, mode and, when op is not
// empty, op, unless there is nowhere to put it or ctx is done (the test is
// stopping).
func (c *Client) record(ctx context.Context, m *metrics.Metric, v float64, op string) {
	if m == nil || c.sink == nil || ctx.Err() != nil {
		return
	}
	c.sink.Add(metrics.Sample{Metric: m, Tags: c.tagsFor(c.sink.Tags(), op), Time: c.now(), Value: v})
}

// tagsFor returns base with region, mode and op (when not empty) set. The
// tag sets are cached for the last base seen: a VU's tags change only when
// its group or tags do, so every operation reuses its tag set instead of
// building one per sample.
func (c *Client) tagsFor(base *metrics.TagSet, op string) *metrics.TagSet {
	c.tagMu.Lock()
	defer c.tagMu.Unlock()
	if c.tagsByOp == nil || base != c.tagBase {
		c.tagBase = base
		c.tagsByOp = make(map[string]*metrics.TagSet, 4)
	}
	if t, ok := c.tagsByOp[op]; ok {
		return t
	}
	extra := []metrics.Tag{{Key: "region", Value: c.region}, {Key: "mode", Value: c.mode}}
	if op != "" {
		extra = append(extra, metrics.Tag{Key: "op", Value: op})
	}
	t := base.WithTags(extra...)
	c.tagsByOp[op] = t
	return t
}
