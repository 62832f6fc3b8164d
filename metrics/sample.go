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

// BatchReleaser is implemented by an Ingester that keeps nothing of a batch
// once Ingest returns (it aggregates the values; the metrics Engine does):
// a Buffer feeding it hands the batch's memory on to later batches, its own
// or another VU's, instead of allocating a batch per flush. An Ingester that
// keeps batches (outputs, which write them later) must not implement it.
type BatchReleaser interface {
	Ingester
	ReleasesBatches()
}

// batchPool holds released batches (as *[]Sample, so that putting one back
// allocates nothing), empty and cleared.
var batchPool sync.Pool

// Buffer collects one VU's samples and hands them to an Ingester in batches.
// Its mutex is per VU, so it is uncontended except for concurrent requests of
// the same VU (http.batch); there is no global lock and no channel per sample.
//
// An empty Buffer holds no batch: the next one is taken by the first Add,
// sized like the last batch handed over (an iteration's samples), so an idle
// VU costs a few words. Feeding a BatchReleaser, batches are reused through
// a pool shared by all Buffers; otherwise a busy VU allocates one
// right-sized batch per flush instead of DefaultBufferSize samples.
type Buffer struct {
	mu     sync.Mutex
	dst    Ingester
	reuse  bool // dst is a BatchReleaser
	buf    []Sample
	holder *[]Sample // buf's holder in batchPool (reuse only; nil for a new batch)
	size   int
	hint   int // capacity of the next batch: the length of the last one handed over
}

// minBatch is the capacity of a Buffer's first batch.
const minBatch = 16

// NewBuffer returns a Buffer that flushes to dst every size samples (DefaultBufferSize if size <= 0).
func NewBuffer(dst Ingester, size int) *Buffer {
	if size <= 0 {
		size = DefaultBufferSize
	}
	_, reuse := dst.(BatchReleaser)
	return &Buffer{dst: dst, reuse: reuse, size: size, hint: min(minBatch, size)}
}

// take gives the Buffer an empty batch of capacity >= n.
func (b *Buffer) take(n int) {
	if b.reuse {
		if h, ok := batchPool.Get().(*[]Sample); ok {
			b.holder = h
			if cap(*h) >= n {
				b.buf = *h
				return
			}
		}
	}
	b.buf = make([]Sample, 0, n)
}

// ingest hands full, taken with its holder, to the Ingester, then (reuse)
// puts it back in the pool.
func (b *Buffer) ingest(full []Sample, holder *[]Sample) {
	b.dst.Ingest(full)
	if !b.reuse {
		return
	}
	clear(full) // the pool must not keep the samples' tags and metadata alive
	if holder == nil {
		holder = new([]Sample)
	}
	*holder = full[:0]
	batchPool.Put(holder)
}

// Add appends samples, handing a full batch to the Ingester when the buffer fills.
func (b *Buffer) Add(samples ...Sample) {
	b.mu.Lock()
	if b.buf == nil {
		b.take(max(b.hint, min(len(samples), b.size)))
	}
	b.buf = append(b.buf, samples...)
	var (
		full   []Sample
		holder *[]Sample
	)
	if len(b.buf) >= b.size {
		full, holder = b.buf, b.holder
		b.buf, b.holder = nil, nil
		b.hint = b.size
	}
	b.mu.Unlock()
	if full != nil {
		b.ingest(full, holder)
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
	full, holder := b.buf, b.holder
	b.buf, b.holder = nil, nil
	b.hint = min(len(full), b.size)
	b.mu.Unlock()
	b.ingest(full, holder)
}
