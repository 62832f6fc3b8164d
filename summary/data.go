package summary

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stampede-load/stampede/metrics"
)

// Mode is the layout of the text summary (--summary-mode).
type Mode string

// The summary modes. Legacy (k6's pre-v1 layout) is not rendered by Stampede.
const (
	ModeCompact Mode = "compact"
	ModeFull    Mode = "full"
)

// DefaultTrendStats are k6's default summaryTrendStats.
var DefaultTrendStats = []string{"avg", "min", "med", "max", "p(90)", "p(95)"}

// ErrInvalidOption is wrapped by errors about summary options
// (summaryTrendStats, summaryTimeUnit, summary mode); the CLI maps it to
// exit 104 like other invalid configuration.
var ErrInvalidOption = errors.New("invalid summary option")

// Options say what the summary contains and how values are shown.
type Options struct {
	// TrendStats are the stats shown for trends (summaryTrendStats): avg,
	// min, med, max, count and p(N). Empty means DefaultTrendStats.
	TrendStats []string
	// TimeUnit fixes the unit of time values: "s", "ms" or "us"; "" adapts.
	TimeUnit string
	// Mode is compact (default) or full.
	Mode Mode
	// NoColor is --no-color; it is passed to handleSummary as options.noColor.
	NoColor bool
	// IsStdOutTTY and IsStdErrTTY are passed to handleSummary in `state`.
	IsStdOutTTY, IsStdErrTTY bool
	// TestRunDuration is the run's duration (state.testRunDurationMs); counter
	// rates divide by it. Zero means the snapshot's Elapsed.
	TestRunDuration time.Duration
	// SetupData is what setup() returned, as JSON (nil if nothing).
	SetupData json.RawMessage
}

// ValidateTrendStats checks summaryTrendStats: each must be avg, min, med,
// max, count or p(N) with 0 <= N <= 100.
func ValidateTrendStats(stats []string) error {
	var errs []error
	for _, s := range stats {
		if _, err := parseTrendStat(s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ValidateTimeUnit checks summaryTimeUnit: "", "s", "ms" or "us".
func ValidateTimeUnit(u string) error {
	if _, ok := timeUnits[u]; ok || u == "" {
		return nil
	}
	return fmt.Errorf("%w: summaryTimeUnit %q: expected s, ms or us", ErrInvalidOption, u)
}

func parseTrendStat(s string) (metrics.Aggregation, error) {
	a, err := metrics.ParseAggregation(s)
	if err == nil {
		switch a.Kind {
		case metrics.AggAvg, metrics.AggMin, metrics.AggMed, metrics.AggMax, metrics.AggCount, metrics.AggPercentile:
			return a, nil
		}
	}
	return a, fmt.Errorf("%w: summaryTrendStats %q: expected avg, min, med, max, count or p(N) with 0 <= N <= 100", ErrInvalidOption, s)
}

// Data is k6's handleSummary() argument (and --summary-export's source).
type Data struct {
	Metrics   map[string]*Metric `json:"metrics"`
	RootGroup *Group             `json:"root_group"`
	Options   DataOptions        `json:"options"`
	State     State              `json:"state"`
	SetupData json.RawMessage    `json:"setup_data,omitempty"`
}

// Metric is one metric in Data: its type, value type, values and threshold results.
type Metric struct {
	Type     metrics.MetricType `json:"type"`
	Contains metrics.ValueType  `json:"contains"`
	// Values: counter {count, rate}; gauge {value, min, max}; rate {rate,
	// passes, fails}; trend: one entry per summaryTrendStats stat.
	Values     map[string]float64     `json:"values"`
	Thresholds map[string]ThresholdOK `json:"thresholds,omitempty"`
}

// ThresholdOK is one threshold's result in Data.
type ThresholdOK struct {
	OK bool `json:"ok"`
}

// Group is a group in Data's root_group tree.
type Group struct {
	Name   string   `json:"name"`
	Path   string   `json:"path"`
	ID     string   `json:"id"`
	Groups []*Group `json:"groups"`
	Checks []*Check `json:"checks"`
}

// Check is one check of a group, aggregated over scenarios.
type Check struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	ID     string `json:"id"`
	Passes uint64 `json:"passes"`
	Fails  uint64 `json:"fails"`
}

// DataOptions is Data's `options`.
type DataOptions struct {
	SummaryTrendStats []string `json:"summaryTrendStats"`
	SummaryTimeUnit   string   `json:"summaryTimeUnit"`
	NoColor           bool     `json:"noColor"`
}

// State is Data's `state`.
type State struct {
	IsStdOutTTY       bool    `json:"isStdOutTTY"`
	IsStdErrTTY       bool    `json:"isStdErrTTY"`
	TestRunDurationMs float64 `json:"testRunDurationMs"`
}

// Summary is the end-of-test summary of one run: the handleSummary data, the
// text summary and the legacy export, all from one metrics Snapshot.
type Summary struct {
	opts     Options
	stats    []metrics.Aggregation
	duration time.Duration
	data     *Data

	// What the text renders, computed once from the snapshot.
	metrics    map[string]*metricView // by key, shown metrics only
	checks     []metrics.CheckSnapshot
	breakdowns []*breakdownView
}

// metricView is one metric's computed values.
type metricView struct {
	key        metrics.MetricKey
	metric     *metrics.Metric
	values     map[string]float64
	thresholds []thresholdView
}

// thresholdView is one threshold's outcome and observed value.
type thresholdView struct {
	source   string
	agg      metrics.Aggregation
	observed float64
	ok       bool
}

// breakdownView is one scenario's or group's metrics (full mode).
type breakdownView struct {
	scenario, group string
	metrics         map[string]*metricView
}

// New builds the summary of snap. It fails (wrapping ErrInvalidOption) when
// TrendStats, TimeUnit or Mode are invalid. New reads the snapshot's sinks;
// the snapshot must not be used concurrently meanwhile.
func New(snap *metrics.Snapshot, opts Options) (*Summary, error) {
	if len(opts.TrendStats) == 0 {
		opts.TrendStats = append([]string(nil), DefaultTrendStats...)
	}
	if opts.Mode == "" {
		opts.Mode = ModeCompact
	}
	if opts.Mode != ModeCompact && opts.Mode != ModeFull {
		return nil, fmt.Errorf("%w: summary mode %q: expected compact or full", ErrInvalidOption, opts.Mode)
	}
	if err := ValidateTimeUnit(opts.TimeUnit); err != nil {
		return nil, err
	}
	s := &Summary{opts: opts, duration: opts.TestRunDuration, checks: snap.Checks}
	if s.duration <= 0 {
		s.duration = snap.Elapsed
	}
	var errs []error
	for _, st := range opts.TrendStats {
		a, err := parseTrendStat(st)
		if err != nil {
			errs = append(errs, err)
		}
		s.stats = append(s.stats, a)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s.metrics = make(map[string]*metricView, len(snap.Metrics))
	for key, ms := range snap.Metrics {
		if shown(ms) {
			s.metrics[key] = s.view(ms)
		}
	}
	for _, bd := range snap.Breakdowns {
		bv := &breakdownView{scenario: bd.Scenario, group: bd.Group, metrics: make(map[string]*metricView, len(bd.Metrics))}
		for name, ms := range bd.Metrics {
			if !ms.Sink.IsEmpty() {
				bv.metrics[name] = s.view(ms)
			}
		}
		s.breakdowns = append(s.breakdowns, bv)
	}
	s.data = s.buildData(snap)
	return s, nil
}

func (s *Summary) view(ms *metrics.MetricSnapshot) *metricView {
	v := &metricView{key: ms.Key, metric: ms.Metric, values: s.values(ms)}
	for _, r := range ms.Thresholds {
		v.thresholds = append(v.thresholds, thresholdView{source: r.Source, agg: r.Expr.Agg, observed: r.Observed, ok: r.OK})
	}
	return v
}

// Data returns the handleSummary data.
func (s *Summary) Data() *Data { return s.data }

// Map returns the handleSummary data as plain JSON values (maps, slices,
// float64, string, bool), ready to hand to a JavaScript runtime.
func (s *Summary) Map() (map[string]any, error) {
	b, err := json.Marshal(s.data)
	if err != nil {
		return nil, fmt.Errorf("encoding summary data: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding summary data: %w", err)
	}
	return m, nil
}

func (s *Summary) buildData(snap *metrics.Snapshot) *Data {
	d := &Data{
		Metrics: make(map[string]*Metric, len(s.metrics)),
		Options: DataOptions{SummaryTrendStats: s.opts.TrendStats, SummaryTimeUnit: s.opts.TimeUnit, NoColor: s.opts.NoColor},
		State: State{
			IsStdOutTTY: s.opts.IsStdOutTTY, IsStdErrTTY: s.opts.IsStdErrTTY,
			TestRunDurationMs: float64(s.duration) / float64(time.Millisecond),
		},
		SetupData: s.opts.SetupData,
	}
	for key, mv := range s.metrics {
		m := &Metric{Type: mv.metric.Type, Contains: mv.metric.Contains, Values: mv.values}
		if len(mv.thresholds) > 0 {
			m.Thresholds = make(map[string]ThresholdOK, len(mv.thresholds))
			for _, t := range mv.thresholds {
				m.Thresholds[t.source] = ThresholdOK{OK: t.ok}
			}
		}
		d.Metrics[key] = m
	}
	d.RootGroup = RootGroup(snap)
	return d
}

// shown reports whether a snapshot metric belongs in the summary: it has
// samples or thresholds (the expected_response sub-metric always).
func shown(ms *metrics.MetricSnapshot) bool {
	return !ms.Sink.IsEmpty() || len(ms.Thresholds) > 0 || ms.Key.Selector == metrics.ExpectedResponseSelector
}

// values computes a metric's Data values.
func (s *Summary) values(ms *metrics.MetricSnapshot) map[string]float64 {
	switch sink := ms.Sink.(type) {
	case *metrics.CounterSink:
		return map[string]float64{"count": sink.Sum, "rate": sink.Rate(s.duration)}
	case *metrics.GaugeSink:
		return map[string]float64{"value": sink.Last, "min": sink.Min, "max": sink.Max}
	case *metrics.RateSink:
		return map[string]float64{"rate": sink.Rate(), "passes": float64(sink.Trues), "fails": float64(sink.Total - sink.Trues)}
	case *metrics.TrendSink:
		v := make(map[string]float64, len(s.stats))
		for i, a := range s.stats {
			x, _ := sink.Aggregate(a, s.duration)
			v[s.opts.TrendStats[i]] = x
		}
		return v
	}
	return map[string]float64{}
}

// groupID is k6's id of a group or check: the hex MD5 of its path.
func groupID(path string) string {
	sum := md5.Sum([]byte(path))
	return hex.EncodeToString(sum[:])
}

// RootGroup returns the group tree of snap as Data's root_group has it:
// groups and checks merged across scenarios, in the order they first
// appeared, with k6's ids (the hex MD5 of the path). The REST API's
// /v1/groups serves it.
func RootGroup(snap *metrics.Snapshot) *Group {
	root := &Group{ID: groupID(""), Groups: []*Group{}, Checks: []*Check{}}
	byPath := map[string]*Group{"": root}
	var ensure func(path string) *Group
	ensure = func(path string) *Group {
		if g := byPath[path]; g != nil {
			return g
		}
		i := strings.LastIndex(path, "::")
		if i < 0 { // not a k6 group path; hang it under the root as is
			i = 0
		}
		parent := ensure(path[:i])
		g := &Group{Name: strings.TrimPrefix(path[i:], "::"), Path: path, ID: groupID(path), Groups: []*Group{}, Checks: []*Check{}}
		parent.Groups = append(parent.Groups, g)
		byPath[path] = g
		return g
	}
	type item struct {
		first time.Time
		path  string
	}
	var order []item
	for _, g := range snap.Groups {
		order = append(order, item{g.First, g.Path})
	}
	for _, c := range snap.Checks {
		order = append(order, item{c.First, c.Group})
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].first.Before(order[j].first) })
	for _, it := range order {
		ensure(it.path)
	}
	checks := map[string]*Check{}
	for _, c := range snap.Checks {
		path := c.Group + "::" + c.Name
		if ck := checks[path]; ck != nil {
			ck.Passes += c.Passes
			ck.Fails += c.Fails
			continue
		}
		ck := &Check{Name: c.Name, Path: path, ID: groupID(path), Passes: c.Passes, Fails: c.Fails}
		checks[path] = ck
		g := ensure(c.Group)
		g.Checks = append(g.Checks, ck)
	}
	return root
}
