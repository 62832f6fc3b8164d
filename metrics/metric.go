package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"
)

// MetricType is the kind of aggregation a metric gets: counter, gauge, rate or trend.
type MetricType uint8

// The four metric types, with k6's names.
const (
	Counter MetricType = iota + 1
	Gauge
	Rate
	Trend
)

var metricTypeNames = map[MetricType]string{Counter: "counter", Gauge: "gauge", Rate: "rate", Trend: "trend"}

// String returns k6's lower-case name of the type ("counter", "gauge", "rate", "trend").
func (t MetricType) String() string {
	if n, ok := metricTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("MetricType(%d)", uint8(t))
}

// MarshalJSON encodes the type as its k6 name.
func (t MetricType) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// ValueType says what a metric's values measure: plain numbers, time (milliseconds) or data (bytes).
type ValueType uint8

// The value types, with k6's names (`contains` in summary data).
const (
	Default ValueType = iota
	Time
	Data
)

// String returns k6's name of the value type ("default", "time", "data").
func (v ValueType) String() string {
	switch v {
	case Time:
		return "time"
	case Data:
		return "data"
	default:
		return "default"
	}
}

// MarshalJSON encodes the value type as its k6 name.
func (v ValueType) MarshalJSON() ([]byte, error) { return json.Marshal(v.String()) }

// Metric is the definition of one metric. It is immutable after registration and
// safe to share between goroutines; aggregation state lives in the metrics engine.
type Metric struct {
	Name     string
	Type     MetricType
	Contains ValueType
}

// ErrMetricTypeMismatch is returned when a name is registered again with another type.
var ErrMetricTypeMismatch = errors.New("metric already exists with another type")

// ErrInvalidMetricName is returned for names that break k6's naming rules.
var ErrInvalidMetricName = errors.New("invalid metric name")

// k6's rule: 1 to 128 ASCII letters, digits and underscores, not starting with a digit.
var metricNameRe = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,127}$`)

// ValidateName reports whether name follows k6's metric naming rules.
func ValidateName(name string) error {
	if !metricNameRe.MatchString(name) {
		return fmt.Errorf("%w %q: a metric name must be 1 to 128 ASCII letters, digits or underscores and must not start with a digit", ErrInvalidMetricName, name)
	}
	return nil
}

// Registry holds every metric of a test run by name. It is safe for concurrent use.
type Registry struct {
	mu      sync.RWMutex
	metrics map[string]*Metric
}

// NewRegistry returns an empty registry. Use RegisterBuiltins to add k6's built-in metrics.
func NewRegistry() *Registry {
	return &Registry{metrics: make(map[string]*Metric, 64)}
}

// NewMetric registers a metric, or returns the existing one when name is already
// registered with the same type (and value type). A different type is an error
// wrapping ErrMetricTypeMismatch; a bad name wraps ErrInvalidMetricName.
func (r *Registry) NewMetric(name string, typ MetricType, contains ...ValueType) (*Metric, error) {
	vt := Default
	if len(contains) > 0 {
		vt = contains[0]
	}
	// Every VU declares the script's metrics again: a known name (valid by
	// construction) is answered under the read lock, without validating.
	r.mu.RLock()
	m, ok := r.metrics[name]
	r.mu.RUnlock()
	if ok {
		return sameMetric(m, name, typ, vt)
	}
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.metrics[name]; ok {
		return sameMetric(m, name, typ, vt)
	}
	m = &Metric{Name: name, Type: typ, Contains: vt}
	r.metrics[name] = m
	return m, nil
}

// sameMetric returns m, the metric registered as name, if it has the type
// and value type asked for.
func sameMetric(m *Metric, name string, typ MetricType, vt ValueType) (*Metric, error) {
	if m.Type != typ || m.Contains != vt {
		return nil, fmt.Errorf("%w: metric %q is a %s (%s), cannot redefine it as a %s (%s)", ErrMetricTypeMismatch, name, m.Type, m.Contains, typ, vt)
	}
	return m, nil
}

// MustNewMetric is NewMetric that panics on error; for built-in definitions only.
func (r *Registry) MustNewMetric(name string, typ MetricType, contains ...ValueType) *Metric {
	m, err := r.NewMetric(name, typ, contains...)
	if err != nil {
		panic(err)
	}
	return m
}

// Get returns the metric registered under name, or nil.
func (r *Registry) Get(name string) *Metric {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.metrics[name]
}

// All returns every registered metric sorted by name.
func (r *Registry) All() []*Metric {
	r.mu.RLock()
	out := make([]*Metric, 0, len(r.metrics))
	for _, m := range r.metrics {
		out = append(out, m)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
