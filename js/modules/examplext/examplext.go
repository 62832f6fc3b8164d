package examplext

import (
	"errors"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
)

func init() { modules.Register("k6/x/example", &RootModule{}) }

// RootModule is the extension; it creates one Example per VU.
type RootModule struct{}

// NewModuleInstance is called once per VU, in its init context, where the
// extension registers its custom metric.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	e := &Example{vu: vu}
	if env := vu.InitEnv(); env != nil && env.Registry != nil {
		e.counter, _ = env.Registry.NewMetric("example_count", metrics.Counter)
	}
	return e
}

// Example is the extension's per-VU instance.
type Example struct {
	vu      modules.VU
	counter *metrics.Metric
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*Example)(nil)
)

// Exports makes the methods importable: `import example from "k6/x/example"`
// or `import { greet } from "k6/x/example"`.
func (e *Example) Exports() modules.Exports {
	return modules.Exports{Default: map[string]any{
		"greet": e.Greet,
		"count": e.Count,
		"later": e.Later,
	}}
}

// Greet returns "hello, <name>".
func (e *Example) Greet(name string) string { return "hello, " + name }

// Count adds n to the example_count counter, tagged with the VU's tags.
func (e *Example) Count(n float64) {
	st := e.vu.State()
	if st == nil {
		panic(e.vu.Runtime().NewGoError(errors.New("example.count() cannot be used in the init context")))
	}
	st.Samples.Add(metrics.Sample{Metric: e.counter, Tags: st.Tags.Tags(), Time: time.Now(), Value: n})
}

// Later returns a promise resolved with value after ms milliseconds, using
// RegisterCallback to come back to the VU's event loop.
func (e *Example) Later(value sobek.Value, ms float64) *sobek.Promise {
	p, resolve, _ := e.vu.Runtime().NewPromise()
	enqueue := e.vu.RegisterCallback()
	ctx := e.vu.Context()
	go func() {
		t := time.NewTimer(time.Duration(ms * float64(time.Millisecond)))
		defer t.Stop()
		select {
		case <-t.C:
			enqueue(func() error { return resolve(value) })
		case <-ctx.Done():
			enqueue(func() error { return nil })
		}
	}()
	return p
}
