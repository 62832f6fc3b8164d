package metrics

import (
	"sync"
	"time"
)

// Sample is one measured value of a metric at a point in time.
type Sample struct {
	Metric   *Metric
	Tags     *TagSet
	Metadata map[string]string // high-cardinality data (e.g. trace ids); not used for grouping
	Time     time.Time
	Value    float64
}

// Ingester receives batches of samples. Ingest takes ownership of the batch:
// the caller must not touch the slice afterwards. Implementations must be safe
// for concurrent use by many VUs.
type Ingester interface {
	Ingest(batch []Sample)
}

// IngesterFunc adapts a function to Ingester.
type IngesterFunc func([]Sample)

// Ingest calls f(batch).
func (f IngesterFunc) Ingest(batch []Sample) { f(batch) }

// DefaultBufferSize is the number of samples a Buffer collects before it hands
// a batch to its Ingester.
const DefaultBufferSize = 256

// Buffer collects one VU's samples and hands them to an Ingester in batches.
// Its mutex is per VU, so it is uncontended except for concurrent requests of
// the same VU (http.batch); there is no global lock and no channel per sample.
//
// An empty Buffer holds no batch: the next one is allocated by the first Add,
// sized like the last batch handed over (an iteration's samples), so an idle
// VU costs a few words and a busy one allocates one right-sized batch per
// flush instead of DefaultBufferSize samples.
type Buffer struct {
	mu   sync.Mutex
	dst  Ingester
	buf  []Sample
	size int
	hint int // capacity of the next batch: the length of the last one handed over
}

// minBatch is the capacity of a Buffer's first batch.
const minBatch = 16

// NewBuffer returns a Buffer that flushes to dst every size samples (DefaultBufferSize if size <= 0).
func NewBuffer(dst Ingester, size int) *Buffer {
	if size <= 0 {
		size = DefaultBufferSize
	}
	return &Buffer{dst: dst, size: size, hint: min(minBatch, size)}
}

// Add appends samples, handing a full batch to the Ingester when the buffer fills.
func (b *Buffer) Add(samples ...Sample) {
	b.mu.Lock()
	if b.buf == nil {
		b.buf = make([]Sample, 0, max(b.hint, min(len(samples), b.size)))
	}
	b.buf = append(b.buf, samples...)
	var full []Sample
	if len(b.buf) >= b.size {
		full = b.buf
		b.buf = nil
		b.hint = b.size
	}
	b.mu.Unlock()
	if full != nil {
		b.dst.Ingest(full)
	}
}

// Flush hands whatever is buffered to the Ingester. VUs flush at the end of
// every iteration and the engine at the end of the run, so no sample waits long.
func (b *Buffer) Flush() {
	b.mu.Lock()
	if len(b.buf) == 0 {
		b.mu.Unlock()
		return
	}
	full := b.buf
	b.buf = nil
	b.hint = min(len(full), b.size)
	b.mu.Unlock()
	b.dst.Ingest(full)
}
