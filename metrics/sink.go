package metrics

import (
	"fmt"
	"time"
)

// Sink aggregates the values of one metric (or sub-metric) into constant
// memory. Each of the four metric types has its own sink: CounterSink,
// GaugeSink, RateSink and TrendSink. A Sink is not safe for concurrent use;
// the Engine guards every sink with its shard's lock and hands out merged
// copies in a Snapshot.
type Sink interface {
	// Add records one value. t and seq order gauge values ("last" is the
	// value with the latest t, then the highest seq).
	Add(value float64, t time.Time, seq uint64)
	// Merge adds everything other has seen into the sink. other must be a
	// sink of the same concrete type; Merge panics otherwise (a bug).
	Merge(other Sink)
	// Clone returns an independent copy.
	Clone() Sink
	// IsEmpty reports whether no value was ever added.
	IsEmpty() bool
	// Aggregate returns the value of one aggregation ("count", "rate", "p(95)"
	// ...) for thresholds and summaries. elapsed is the test run's duration so
	// far: a counter's rate is its count per second of it. An aggregation the
	// sink does not support returns 0 and false.
	Aggregate(agg Aggregation, elapsed time.Duration) (float64, bool)
}

// NewSink returns an empty sink for a metric of type t.
func NewSink(t MetricType) Sink {
	switch t {
	case Counter:
		return &CounterSink{}
	case Gauge:
		return &GaugeSink{}
	case Rate:
		return &RateSink{}
	case Trend:
		return NewTrendSink()
	default:
		panic(fmt.Sprintf("metrics: no sink for metric type %v", t))
	}
}

// CounterSink sums values: k6's `count`, and `rate` (count per second of the test run).
type CounterSink struct {
	Sum float64
	n   uint64
}

// Add implements Sink.
func (c *CounterSink) Add(v float64, _ time.Time, _ uint64) {
	c.Sum += v
	c.n++
}

// Merge implements Sink.
func (c *CounterSink) Merge(other Sink) {
	o := other.(*CounterSink)
	c.Sum += o.Sum
	c.n += o.n
}

// Clone implements Sink.
func (c *CounterSink) Clone() Sink { cp := *c; return &cp }

// IsEmpty implements Sink.
func (c *CounterSink) IsEmpty() bool { return c.n == 0 }

// Rate returns the count per second over elapsed (0 when elapsed is not positive).
func (c *CounterSink) Rate(elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return c.Sum / elapsed.Seconds()
}

// Aggregate implements Sink: count and rate.
func (c *CounterSink) Aggregate(agg Aggregation, elapsed time.Duration) (float64, bool) {
	switch agg.Kind {
	case AggCount:
		return c.Sum, true
	case AggRate:
		return c.Rate(elapsed), true
	}
	return 0, false
}

// GaugeSink keeps the last value and the smallest and largest ever seen.
type GaugeSink struct {
	Last, Min, Max float64
	lastT          time.Time
	lastSeq        uint64
	n              uint64
}

// Add implements Sink.
func (g *GaugeSink) Add(v float64, t time.Time, seq uint64) {
	if g.n == 0 {
		g.Last, g.Min, g.Max, g.lastT, g.lastSeq = v, v, v, t, seq
		g.n = 1
		return
	}
	g.n++
	if !t.Before(g.lastT) && (t.After(g.lastT) || seq >= g.lastSeq) {
		g.Last, g.lastT, g.lastSeq = v, t, seq
	}
	if v < g.Min {
		g.Min = v
	}
	if v > g.Max {
		g.Max = v
	}
}

// Merge implements Sink.
func (g *GaugeSink) Merge(other Sink) {
	o := other.(*GaugeSink)
	if o.n == 0 {
		return
	}
	if g.n == 0 {
		*g = *o
		return
	}
	g.n += o.n
	if o.lastT.After(g.lastT) || (o.lastT.Equal(g.lastT) && o.lastSeq > g.lastSeq) {
		g.Last, g.lastT, g.lastSeq = o.Last, o.lastT, o.lastSeq
	}
	if o.Min < g.Min {
		g.Min = o.Min
	}
	if o.Max > g.Max {
		g.Max = o.Max
	}
}

// Clone implements Sink.
func (g *GaugeSink) Clone() Sink { cp := *g; return &cp }

// IsEmpty implements Sink.
func (g *GaugeSink) IsEmpty() bool { return g.n == 0 }

// Aggregate implements Sink: value (the last value).
func (g *GaugeSink) Aggregate(agg Aggregation, _ time.Duration) (float64, bool) {
	if agg.Kind == AggValue {
		return g.Last, true
	}
	return 0, false
}

// RateSink counts non-zero values (passes) among all values.
type RateSink struct {
	Trues, Total uint64
}

// Add implements Sink.
func (r *RateSink) Add(v float64, _ time.Time, _ uint64) {
	r.Total++
	if v != 0 {
		r.Trues++
	}
}

// Merge implements Sink.
func (r *RateSink) Merge(other Sink) {
	o := other.(*RateSink)
	r.Trues += o.Trues
	r.Total += o.Total
}

// Clone implements Sink.
func (r *RateSink) Clone() Sink { cp := *r; return &cp }

// IsEmpty implements Sink.
func (r *RateSink) IsEmpty() bool { return r.Total == 0 }

// Rate returns Trues/Total, or 0 when empty.
func (r *RateSink) Rate() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Trues) / float64(r.Total)
}

// Aggregate implements Sink: rate.
func (r *RateSink) Aggregate(agg Aggregation, _ time.Duration) (float64, bool) {
	if agg.Kind == AggRate {
		return r.Rate(), true
	}
	return 0, false
}
