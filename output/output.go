package output

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/metrics"
)

// Output receives a test run's samples. Lifecycle: Start once, then
// AddSamples any number of times, then Stop once. The Manager calls
// AddSamples from one goroutine per output, so an Output need not make it safe
// for concurrent use; it must not keep or modify the batch after returning
// (the batch is shared with the metrics engine and other outputs).
type Output interface {
	// Start prepares the output (opens files, connects). An error aborts the run.
	Start() error
	// AddSamples hands over one batch. It should not block for long: a slow
	// output makes the Manager drop (and count) samples instead of slowing VUs.
	AddSamples(batch []metrics.Sample)
	// Stop flushes everything and releases resources; after Stop, files are
	// complete and valid. It returns the first error the output ran into.
	Stop() error
}

// WithDescription is an Output that describes itself for the run's banner
// ("json (results.json)").
type WithDescription interface {
	Output
	Description() string
}

// WithThresholds is an Output that wants the run's thresholds (the JSON
// output lists them in its Metric lines). The Manager calls SetThresholds
// before Start.
type WithThresholds interface {
	Output
	SetThresholds([]metrics.MetricThresholds)
}

// Params is what an output constructor gets.
type Params struct {
	// Type is the output type ("json") and Arg what followed '=' in the
	// -o/--out spec ("results.json"; "" when there was no '=').
	Type, Arg string
	// Env is the process environment (K6_CSV_* and other settings).
	Env map[string]string
	// Stdout is where outputs write when asked to write to "-".
	Stdout io.Writer
	Logger logrus.FieldLogger
}

// Constructor builds an Output from its Params.
type Constructor func(Params) (Output, error)

// ErrInvalidSpec is wrapped by errors about -o/--out values: an unknown
// output type or invalid output options. The CLI maps it to exit 104.
var ErrInvalidSpec = errors.New("invalid output")

var (
	regMu        sync.RWMutex
	constructors = map[string]Constructor{"json": NewJSON, "csv": NewCSV}
)

// Register adds an output type (for outputs living in other packages, e.g.
// remote write). It panics if the type is already registered; call it from
// an init function.
func Register(typ string, c Constructor) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, ok := constructors[typ]; ok {
		panic(fmt.Sprintf("output: type %q is already registered", typ))
	}
	constructors[typ] = c
}

// Types returns the registered output types, sorted.
func Types() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(constructors))
	for t := range constructors {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// ParseSpec splits an -o/--out value into its type and argument:
// "json=results.json" -> ("json", "results.json"); "csv" -> ("csv", "").
func ParseSpec(spec string) (typ, arg string, err error) {
	typ, arg, _ = strings.Cut(spec, "=")
	typ = strings.TrimSpace(typ)
	if typ == "" {
		return "", "", fmt.Errorf("%w %q: expected type or type=argument, e.g. json=results.json", ErrInvalidSpec, spec)
	}
	return typ, arg, nil
}

// New builds one Output per -o/--out spec, in order. Every problem is
// reported at once; errors wrap ErrInvalidSpec.
func New(specs []string, p Params) ([]Output, error) {
	var (
		outs []Output
		errs []error
	)
	for _, spec := range specs {
		typ, arg, err := ParseSpec(spec)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		regMu.RLock()
		c := constructors[typ]
		regMu.RUnlock()
		if c == nil {
			errs = append(errs, fmt.Errorf("%w %q: unknown output type %q; available: %s", ErrInvalidSpec, spec, typ, strings.Join(Types(), ", ")))
			continue
		}
		q := p
		q.Type, q.Arg = typ, arg
		o, err := c(q)
		if err != nil {
			errs = append(errs, fmt.Errorf("output %q: %w", spec, err))
			continue
		}
		outs = append(outs, o)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return outs, nil
}

// describe returns an output's description, or its Go type.
func describe(o Output) string {
	if d, ok := o.(WithDescription); ok {
		return d.Description()
	}
	return fmt.Sprintf("%T", o)
}
