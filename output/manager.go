package output

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/metrics"
)

// DefaultQueueBatches is how many batches each output's queue holds (up to
// about 260 thousand samples with the default per-VU buffer size).
const DefaultQueueBatches = 1024

// ManagerOptions configure a Manager.
type ManagerOptions struct {
	// QueueBatches bounds each output's queue, in batches; when an output
	// falls that far behind, new batches for it are dropped and counted.
	// Default DefaultQueueBatches.
	QueueBatches int
	// Thresholds are handed to outputs implementing WithThresholds.
	Thresholds []metrics.MetricThresholds
	// Logger receives the end-of-run warning about dropped samples.
	Logger logrus.FieldLogger
}

// Manager fans sample batches out to outputs without ever blocking the VUs:
// each output has a bounded queue drained by its own goroutine, and a batch
// that does not fit is dropped for that output and counted. Manager
// implements metrics.Ingester (one non-blocking channel send per batch and
// output, never per sample); combine it with the metrics engine through
// metrics.Tee. Lifecycle: NewManager, Start, Ingest (concurrently), Stop.
type Manager struct {
	outs     []*managed
	logger   logrus.FieldLogger
	inflight atomic.Int64
	stopped  atomic.Bool
	started  bool
	stopOnce sync.Once
	stopErr  error
}

type managed struct {
	out     Output
	name    string
	queue   chan []metrics.Sample
	dropped atomic.Uint64
	done    chan struct{}
}

// NewManager returns a Manager for outs.
func NewManager(outs []Output, opts ManagerOptions) *Manager {
	n := opts.QueueBatches
	if n <= 0 {
		n = DefaultQueueBatches
	}
	m := &Manager{logger: opts.Logger}
	for _, o := range outs {
		if wt, ok := o.(WithThresholds); ok && len(opts.Thresholds) > 0 {
			wt.SetThresholds(opts.Thresholds)
		}
		m.outs = append(m.outs, &managed{out: o, name: describe(o), queue: make(chan []metrics.Sample, n), done: make(chan struct{})})
	}
	return m
}

// Descriptions returns each output's description, in order (for the banner).
func (m *Manager) Descriptions() []string {
	out := make([]string, len(m.outs))
	for i, o := range m.outs {
		out[i] = o.name
	}
	return out
}

// Start starts every output and its queue. If one fails, those already
// started are stopped and the error is returned.
func (m *Manager) Start() error {
	for i, o := range m.outs {
		if err := o.out.Start(); err != nil {
			for _, started := range m.outs[:i] {
				_ = started.out.Stop()
			}
			m.stopped.Store(true)
			return fmt.Errorf("starting output %s: %w", o.name, err)
		}
	}
	for _, o := range m.outs {
		go o.run()
	}
	m.started = true
	return nil
}

func (o *managed) run() {
	defer close(o.done)
	for batch := range o.queue {
		o.out.AddSamples(batch)
	}
}

// Ingest queues batch for every output; it never blocks. It implements
// metrics.Ingester and treats the batch as read-only. After Stop, batches
// are ignored.
func (m *Manager) Ingest(batch []metrics.Sample) {
	if len(batch) == 0 || len(m.outs) == 0 {
		return
	}
	m.inflight.Add(1)
	defer m.inflight.Add(-1)
	if m.stopped.Load() {
		return
	}
	for _, o := range m.outs {
		select {
		case o.queue <- batch:
		default:
			o.dropped.Add(uint64(len(batch)))
		}
	}
}

// Stop lets every output drain its queue, stops it (files are flushed and
// complete afterwards), logs a warning for each output that dropped samples,
// and returns the outputs' errors. It is safe to call more than once; call it
// on every path out of a run, SIGINT included.
func (m *Manager) Stop() error {
	m.stopOnce.Do(func() {
		m.stopped.Store(true)
		if !m.started { // never started, or Start failed and stopped what it had started
			return
		}
		for m.inflight.Load() > 0 { // an Ingest that saw "not stopped" is finishing its sends
			runtime.Gosched()
		}
		for _, o := range m.outs {
			close(o.queue)
		}
		var errs []error
		for _, o := range m.outs {
			<-o.done
			if err := o.out.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("output %s: %w", o.name, err))
			}
			if d := o.dropped.Load(); d > 0 && m.logger != nil {
				m.logger.Warnf("output %s could not keep up: %d samples were dropped", o.name, d)
			}
		}
		m.stopErr = errors.Join(errs...)
	})
	return m.stopErr
}

// Dropped returns how many samples each output dropped, keyed by description.
func (m *Manager) Dropped() map[string]uint64 {
	out := make(map[string]uint64, len(m.outs))
	for _, o := range m.outs {
		out[o.name] += o.dropped.Load()
	}
	return out
}

// DroppedTotal returns how many samples were dropped over all outputs.
func (m *Manager) DroppedTotal() uint64 {
	var n uint64
	for _, o := range m.outs {
		n += o.dropped.Load()
	}
	return n
}
