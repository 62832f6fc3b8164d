package metrics

import (
	"testing"
	"time"
)

// collect records the batches a Buffer hands over.
type collect struct{ batches [][]Sample }

func (c *collect) Ingest(b []Sample) { c.batches = append(c.batches, b) }

func samples(from, n int) []Sample {
	out := make([]Sample, n)
	for i := range out {
		out[i] = Sample{Value: float64(from + i), Time: time.Unix(int64(from+i), 0)}
	}
	return out
}

func values(b []Sample) []float64 {
	out := make([]float64, len(b))
	for i, s := range b {
		out[i] = s.Value
	}
	return out
}

func TestBuffer(t *testing.T) {
	tests := []struct {
		name  string
		size  int
		adds  []int // samples per Add; -1 means Flush
		lens  []int // lengths of the batches handed over
		first float64
	}{
		{name: "flush hands over what was added", size: 8, adds: []int{3, 2, -1}, lens: []int{5}},
		{name: "empty flush hands over nothing", size: 8, adds: []int{-1, -1}, lens: nil},
		{name: "a full buffer is handed over at once", size: 4, adds: []int{3, 3, -1}, lens: []int{6}},
		{name: "batches after a full one", size: 4, adds: []int{4, 1, 1, 4, -1}, lens: []int{4, 6}},
		{name: "iterations of different sizes", size: 256, adds: []int{10, -1, 30, -1, 2, -1}, lens: []int{10, 30, 2}},
		{name: "default size", size: 0, adds: []int{DefaultBufferSize - 1, -1, DefaultBufferSize}, lens: []int{DefaultBufferSize - 1, DefaultBufferSize}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &collect{}
			b := NewBuffer(c, tt.size)
			next := 0
			for _, n := range tt.adds {
				if n < 0 {
					b.Flush()
					continue
				}
				b.Add(samples(next, n)...)
				next += n
			}
			if len(c.batches) != len(tt.lens) {
				t.Fatalf("%d batches, want %d", len(c.batches), len(tt.lens))
			}
			want := 0
			for i, batch := range c.batches {
				if len(batch) != tt.lens[i] {
					t.Errorf("batch %d has %d samples, want %d", i, len(batch), tt.lens[i])
				}
				for j, v := range values(batch) {
					if v != float64(want+j) {
						t.Fatalf("batch %d sample %d = %v, want %v (order or content lost)", i, j, v, float64(want+j))
					}
				}
				want += len(batch)
			}
		})
	}
}

// A batch handed over belongs to the Ingester: later Adds never write into it.
func TestBufferBatchesDoNotAlias(t *testing.T) {
	c := &collect{}
	b := NewBuffer(c, 64)
	for i := range 5 {
		b.Add(samples(i*10, 3)...)
		b.Flush()
	}
	for i, batch := range c.batches {
		if got := values(batch); len(got) != 3 || got[0] != float64(i*10) || got[2] != float64(i*10+2) {
			t.Errorf("batch %d = %v, want %d..%d", i, got, i*10, i*10+2)
		}
	}
}

// An idle VU's Buffer holds no batch; after a flush it holds none until the
// next Add, and the next batch is sized like the last one.
func TestBufferAllocatesLazily(t *testing.T) {
	c := &collect{}
	b := NewBuffer(c, DefaultBufferSize)
	if b.buf != nil {
		t.Fatalf("new buffer holds a batch of capacity %d", cap(b.buf))
	}
	b.Add(samples(0, 40)...)
	b.Flush()
	if b.buf != nil {
		t.Fatalf("flushed buffer holds a batch of capacity %d", cap(b.buf))
	}
	b.Add(samples(40, 1)...)
	if c := cap(b.buf); c < 40 || c > 64 {
		t.Errorf("next batch has capacity %d, want about the last batch's 40", c)
	}
}

// releasing is an aggregating Ingester: it copies what it needs and lets
// the Buffer reuse the batch.
type releasing struct {
	got   [][]float64 // the batches' values, unless count is set
	count bool        // count samples and sum values instead (no allocation)
	n     int
	sum   float64
}

func (r *releasing) Ingest(b []Sample) {
	if r.count {
		for i := range b {
			r.n++
			r.sum += b[i].Value
		}
		return
	}
	r.got = append(r.got, values(b))
}

func (r *releasing) ReleasesBatches() {}

// Feeding a BatchReleaser, a Buffer reuses batches: an iteration's Adds and
// Flush allocate nothing once warm, every batch reaches the Ingester intact,
// and a released batch keeps no sample (tags, metadata) alive.
func TestBufferReusesReleasedBatches(t *testing.T) {
	r := &releasing{}
	b := NewBuffer(r, 8)
	s := samples(0, 20)
	s[0].Tags = NewTagSet(map[string]string{"k": "v"})
	iteration := func() {
		for i := range s {
			b.Add(s[i])
		}
		b.Flush()
	}
	iteration()
	iteration()
	for i, got := range r.got {
		want := []float64{0, 1, 2, 3, 4, 5, 6, 7}
		switch i % 3 {
		case 1:
			want = []float64{8, 9, 10, 11, 12, 13, 14, 15}
		case 2:
			want = []float64{16, 17, 18, 19}
		}
		if len(got) != len(want) || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
			t.Fatalf("batch %d = %v, want %v", i, got, want)
		}
	}
	r.count = true
	// The race detector makes sync.Pool drop items at random.
	if allocs := testing.AllocsPerRun(50, iteration); allocs != 0 && !raceEnabled {
		t.Errorf("%v allocations per iteration, want 0", allocs)
	}
	if r.n != 51*20 || r.sum != 51*190 {
		t.Errorf("the Ingester saw %d samples summing to %v, want %d and %v", r.n, r.sum, 51*20, 51*190)
	}
	b.Add(s[0])
	b.Flush()
	if h, ok := batchPool.Get().(*[]Sample); ok {
		for i, smp := range (*h)[:cap(*h)] {
			if smp.Tags != nil || smp.Metric != nil || smp.Value != 0 {
				t.Fatalf("released batch keeps sample %d: %+v", i, smp)
			}
		}
	}
}

// BenchmarkBufferIteration is one iteration's samples (14, as an http.get
// plus a check records) added and flushed: allocs/op and B/op are the
// buffer's cost per iteration.
func BenchmarkBufferIteration(b *testing.B) {
	for _, tc := range []struct {
		name string
		dst  Ingester
	}{
		{"keeping", IngesterFunc(func([]Sample) {})},
		{"releasing", &releasing{count: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			buf := NewBuffer(tc.dst, 0)
			s := samples(0, 14)
			for b.Loop() {
				for i := range s {
					buf.Add(s[i])
				}
				buf.Flush()
			}
		})
	}
}
