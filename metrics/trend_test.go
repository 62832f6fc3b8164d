package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"testing"
	"time"
)

// exactPercentile is k6's definition: linear interpolation between the
// closest ranks of the sorted values.
func exactPercentile(sorted []float64, p float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	r := p / 100 * float64(len(sorted)-1)
	lo, hi := math.Floor(r), math.Ceil(r)
	return sorted[int(lo)] + (sorted[int(hi)]-sorted[int(lo)])*(r-lo)
}

func TestTrendSinkPercentileAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := map[string]func() float64{
		"uniform 0-1000ms":       func() float64 { return rng.Float64() * 1000 },
		"lognormal latencies":    func() float64 { return math.Exp(rng.NormFloat64()*1.5 + 4) },
		"near zero (ns in ms)":   func() float64 { return rng.Float64() * 1e-6 },
		"tiny and huge":          func() float64 { return math.Pow(10, rng.Float64()*24-12) },
		"mostly zeros":           func() float64 { return map[bool]float64{true: 0, false: rng.Float64() * 5}[rng.IntN(10) < 7] },
		"all zeros":              func() float64 { return 0 },
		"constant":               func() float64 { return 42.5 },
		"negative values":        func() float64 { return -rng.ExpFloat64() * 100 },
		"integers (status-like)": func() float64 { return float64(rng.IntN(5)*100 + 200) },
	}
	ps := []float64{0, 0.1, 1, 10, 25, 50, 66.6, 75, 90, 95, 99, 99.9, 99.99, 100}
	for name, g := range gen {
		for _, n := range []int{1, 2, 3, 10, 1000, 50000} {
			t.Run(fmt.Sprintf("%s/n=%d", name, n), func(t *testing.T) {
				sink := NewTrendSink()
				vals := make([]float64, n)
				var sum float64
				for i := range vals {
					vals[i] = g()
					sum += vals[i]
					sink.Add(vals[i], time.Time{}, 0)
				}
				sort.Float64s(vals)
				if got := sink.Count(); got != uint64(n) {
					t.Fatalf("count = %d, want %d", got, n)
				}
				if sink.Min() != vals[0] || sink.Max() != vals[n-1] {
					t.Fatalf("min/max = %v/%v, want exact %v/%v", sink.Min(), sink.Max(), vals[0], vals[n-1])
				}
				if math.Abs(sink.Avg()-sum/float64(n)) > 1e-9*math.Abs(sum/float64(n)) {
					t.Fatalf("avg = %v, want %v", sink.Avg(), sum/float64(n))
				}
				for _, p := range ps {
					want := exactPercentile(vals, p)
					got := sink.Percentile(p)
					if err := math.Abs(got - want); err > 0.01*math.Abs(want) {
						t.Errorf("n=%d p(%v) = %v, want %v (relative error %.4f%% > 1%%)", n, p, got, want, 100*err/math.Abs(want))
					}
				}
			})
		}
	}
}

func TestTrendSinkMergeEqualsSingle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	whole, parts := NewTrendSink(), []*TrendSink{NewTrendSink(), NewTrendSink(), NewTrendSink()}
	for i := 0; i < 30000; i++ {
		v := rng.ExpFloat64() * 250
		whole.Add(v, time.Time{}, 0)
		parts[i%3].Add(v, time.Time{}, 0)
	}
	merged := NewTrendSink()
	for _, p := range parts {
		merged.Merge(p)
	}
	if merged.Count() != whole.Count() || merged.Min() != whole.Min() || merged.Max() != whole.Max() {
		t.Fatalf("merged count/min/max %d/%v/%v != whole %d/%v/%v", merged.Count(), merged.Min(), merged.Max(), whole.Count(), whole.Min(), whole.Max())
	}
	if math.Abs(merged.Sum()-whole.Sum()) > 1e-6 {
		t.Fatalf("sum %v != %v", merged.Sum(), whole.Sum())
	}
	for _, p := range []float64{1, 50, 90, 95, 99} {
		if a, b := merged.Percentile(p), whole.Percentile(p); a != b {
			t.Errorf("p(%v): merged %v != whole %v", p, a, b)
		}
	}
}

func TestTrendSinkIgnoresNonFinite(t *testing.T) {
	s := NewTrendSink()
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 3} {
		s.Add(v, time.Time{}, 0)
	}
	if s.Count() != 1 || s.Min() != 3 || s.Percentile(50) != 3 {
		t.Fatalf("got count %d min %v med %v, want only the finite value 3", s.Count(), s.Min(), s.Percentile(50))
	}
	empty := NewTrendSink()
	if empty.Percentile(95) != 0 || empty.Avg() != 0 || !empty.IsEmpty() {
		t.Fatal("an empty trend must report zeros")
	}
}

// heapAfter returns the live heap after building a trend sink of n
// log-uniform values in [0.01ms, 100s], keeping the sink alive.
func heapAfter(n int) (uint64, *TrendSink) {
	rng := rand.New(rand.NewPCG(5, 6))
	runtime.GC()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	s := NewTrendSink()
	for i := 0; i < n; i++ {
		s.Add(math.Pow(10, rng.Float64()*7-2), time.Time{}, 0)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	return after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc), s
}

func TestTrendSinkMemoryDoesNotGrowWithSamples(t *testing.T) {
	n := 10_000_000
	if testing.Short() || raceEnabled {
		n = 1_000_000
	}
	_, _ = heapAfter(10_000) // warm up: the first measurement also sees the test's own setup settle
	small, s1 := heapAfter(10_000)
	big, s2 := heapAfter(n)
	t.Logf("heap for 10k samples: %d B; for %d samples: %d B", small, n, big)
	// A raw slice of n float64 would be 8*n bytes (80 MB for 10M).
	if small == 0 || big > 2*small+64<<10 {
		t.Fatalf("memory grows with samples: %d B for 10k, %d B for %d", small, big, n)
	}
	runtime.KeepAlive(s1)
	runtime.KeepAlive(s2)
}

// BenchmarkTrendMemory reports the live heap of one trend after 10 thousand
// and after 10 million samples: the two are the same order (a few KB).
func BenchmarkTrendMemory(b *testing.B) {
	for _, n := range []int{10_000, 10_000_000} {
		b.Run(map[int]string{10_000: "10k", 10_000_000: "10M"}[n], func(b *testing.B) {
			var heap uint64
			for i := 0; i < b.N; i++ {
				h, s := heapAfter(n)
				heap = h
				runtime.KeepAlive(s)
			}
			b.ReportMetric(float64(heap), "heap-bytes")
		})
	}
}

func BenchmarkTrendAdd(b *testing.B) {
	s := NewTrendSink()
	rng := rand.New(rand.NewPCG(7, 8))
	vals := make([]float64, 4096)
	for i := range vals {
		vals[i] = rng.ExpFloat64() * 200
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Add(vals[i&4095], time.Time{}, 0)
	}
}

func TestTrendSinkExactWhileSmall(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	a, b := NewTrendSink(), NewTrendSink()
	var vals []float64
	for i := 0; i < TrendExactValues; i++ {
		v := float64(rng.IntN(1000)) / 7
		vals = append(vals, v)
		if i%2 == 0 {
			a.Add(v, time.Time{}, 0)
		} else {
			b.Add(v, time.Time{}, 0)
		}
	}
	a.Merge(b)
	sort.Float64s(vals)
	for _, p := range []float64{1, 33.3, 50, 90, 95, 99} {
		if got, want := a.Percentile(p), exactPercentile(vals, p); got != want {
			t.Errorf("p(%v) = %v, want exactly %v while the trend holds %d values", p, got, want, TrendExactValues)
		}
	}
	a.Add(1, time.Time{}, 0) // one more: from now on the sketch answers
	if a.exact != nil {
		t.Fatal("the exact values must be dropped beyond TrendExactValues")
	}
	vals = append(vals, 1)
	sort.Float64s(vals)
	if got, want := a.Percentile(50), exactPercentile(vals, 50); math.Abs(got-want) > 0.01*want {
		t.Errorf("sketch median %v, want within 1%% of %v", got, want)
	}
}
