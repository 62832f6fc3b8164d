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

// BenchmarkBufferIteration is one iteration's samples (14, as an http.get
// plus a check records) added and flushed: allocs/op and B/op are the
// buffer's cost per iteration.
func BenchmarkBufferIteration(b *testing.B) {
	b.ReportAllocs()
	buf := NewBuffer(IngesterFunc(func([]Sample) {}), 0)
	s := samples(0, 14)
	for b.Loop() {
		for i := range s {
			buf.Add(s[i])
		}
		buf.Flush()
	}
}
