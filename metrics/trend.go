package metrics

import (
	"math"
	"slices"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/mapping"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// TrendRelativeAccuracy is the relative accuracy of the sketch behind every
// TrendSink. Any percentile is within this fraction of the exact value
// (k6's linear interpolation between the closest ranks), which keeps it
// comfortably inside the 1% the design asks for.
const TrendRelativeAccuracy = 0.005

// trendMapping is shared by every sketch: an IndexMapping is immutable, and
// sharing it makes all sketches mergeable with each other. The cubically
// interpolated mapping avoids a math.Log call per value.
var trendMapping = func() mapping.IndexMapping {
	m, err := mapping.NewCubicallyInterpolatedMapping(TrendRelativeAccuracy)
	if err != nil {
		panic(err)
	}
	return m
}()

// TrendExactValues is how many values a TrendSink also keeps verbatim: while
// a trend has at most this many, its percentiles are exact (short runs and
// smoke tests print exactly what k6 prints); beyond, they come from the sketch.
const TrendExactValues = 256

// TrendSink aggregates a trend metric in constant memory: a DDSketch for
// percentiles plus exact count, sum, min and max (and the values themselves
// while there are at most TrendExactValues). Memory depends on the range of
// values seen (the number of distinct sketch bins), never on their number.
// Values that are NaN or infinite are ignored.
type TrendSink struct {
	sketch   *ddsketch.DDSketch
	count    uint64
	sum      float64
	min, max float64
	// exact holds every value while count <= TrendExactValues (nil after).
	exact  []float64
	sorted bool
}

// NewTrendSink returns an empty TrendSink.
func NewTrendSink() *TrendSink {
	return &TrendSink{sketch: ddsketch.NewDDSketch(trendMapping, store.NewBufferedPaginatedStore(), store.NewBufferedPaginatedStore())}
}

// Add implements Sink.
func (t *TrendSink) Add(v float64, _ time.Time, _ uint64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	max := trendMapping.MaxIndexableValue()
	switch {
	case v > max:
		v = max
	case v < -max:
		v = -max
	}
	_ = t.sketch.Add(v) // cannot fail: v is finite and within the indexable range
	if t.count < TrendExactValues {
		t.exact = append(t.exact, v)
		t.sorted = false
	} else {
		t.exact = nil
	}
	if t.count == 0 || v < t.min {
		t.min = v
	}
	if t.count == 0 || v > t.max {
		t.max = v
	}
	t.count++
	t.sum += v
}

// Merge implements Sink.
func (t *TrendSink) Merge(other Sink) {
	o := other.(*TrendSink)
	if o.count == 0 {
		return
	}
	if t.count == 0 || o.min < t.min {
		t.min = o.min
	}
	if t.count == 0 || o.max > t.max {
		t.max = o.max
	}
	if t.count+o.count <= TrendExactValues {
		t.exact = append(t.exact, o.exact...)
		t.sorted = false
	} else {
		t.exact = nil
	}
	t.count += o.count
	t.sum += o.sum
	_ = t.sketch.MergeWith(o.sketch) // same mapping: cannot fail
}

// Clone implements Sink.
func (t *TrendSink) Clone() Sink {
	cp := *t
	cp.sketch = t.sketch.Copy()
	if t.exact != nil {
		cp.exact = append(make([]float64, 0, len(t.exact)), t.exact...)
	}
	return &cp
}

// IsEmpty implements Sink.
func (t *TrendSink) IsEmpty() bool { return t.count == 0 }

// Count returns the number of values.
func (t *TrendSink) Count() uint64 { return t.count }

// Sum returns the exact sum of the values.
func (t *TrendSink) Sum() float64 { return t.sum }

// Min returns the exact smallest value (0 when empty).
func (t *TrendSink) Min() float64 { return t.min }

// Max returns the exact largest value (0 when empty).
func (t *TrendSink) Max() float64 { return t.max }

// Avg returns the exact mean (0 when empty).
func (t *TrendSink) Avg() float64 {
	if t.count == 0 {
		return 0
	}
	return t.sum / float64(t.count)
}

// Med returns the median, Percentile(50).
func (t *TrendSink) Med() float64 { return t.Percentile(50) }

// Percentile returns the p-th percentile, p in [0, 100], with k6's
// definition: linear interpolation between the values at the two closest
// ranks of the sorted values. Up to TrendExactValues values it is exact;
// beyond, the values at those ranks come from the sketch (within
// TrendRelativeAccuracy) and the result is clamped to the exact [min, max].
// An empty sink returns 0. Percentile sorts internal buffers, so it is not
// safe to call concurrently on one sink.
func (t *TrendSink) Percentile(p float64) float64 {
	switch {
	case t.count == 0:
		return 0
	case t.count == 1 || p <= 0:
		return t.min
	case p >= 100:
		return t.max
	}
	rank := p / 100 * float64(t.count-1)
	lo := math.Floor(rank)
	if uint64(len(t.exact)) == t.count {
		if !t.sorted {
			slices.Sort(t.exact)
			t.sorted = true
		}
		v := t.exact[int(lo)]
		if f := rank - lo; f > 0 {
			v += (t.exact[int(lo)+1] - v) * f
		}
		return v
	}
	v := t.valueAtRank(lo)
	if f := rank - lo; f > 0 {
		hi := t.valueAtRank(lo + 1)
		v += (hi - v) * f
	}
	return math.Min(math.Max(v, t.min), t.max)
}

// valueAtRank returns the sketch's estimate of the value at 0-based rank k of
// the sorted values (k integral and < count).
func (t *TrendSink) valueAtRank(k float64) float64 {
	s := t.sketch
	neg := s.GetNegativeValueStore()
	negCount := neg.TotalCount()
	if k < negCount {
		return -s.Value(neg.KeyAtRank(negCount - 1 - k))
	}
	k -= negCount
	if zero := s.GetZeroCount(); k < zero {
		return 0
	} else {
		k -= zero
	}
	return s.Value(s.GetPositiveValueStore().KeyAtRank(k))
}

// Aggregate implements Sink: avg, min, max, med, p(N) and count.
func (t *TrendSink) Aggregate(agg Aggregation, _ time.Duration) (float64, bool) {
	switch agg.Kind {
	case AggAvg:
		return t.Avg(), true
	case AggMin:
		return t.min, true
	case AggMax:
		return t.max, true
	case AggMed:
		return t.Med(), true
	case AggPercentile:
		return t.Percentile(agg.P), true
	case AggCount:
		return float64(t.count), true
	}
	return 0, false
}
