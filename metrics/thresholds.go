package metrics

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stampede-load/stampede/config"
)

// Threshold is one compiled threshold of a test run.
type Threshold struct {
	// Source is the expression as the script wrote it ("p(95)<200").
	Source string
	Expr   ThresholdExpression
	// AbortOnFail stops the test as soon as the threshold fails during the
	// run, but not before DelayAbortEval has passed since the start.
	AbortOnFail    bool
	DelayAbortEval time.Duration
}

// MetricThresholds are the thresholds on one metric or sub-metric key, in the
// order the script lists them.
type MetricThresholds struct {
	Key        MetricKey
	Metric     *Metric
	Thresholds []Threshold
}

// CompileThresholds parses and validates k6 thresholds against the metrics
// registered in reg: every key must name a registered metric (optionally with
// a tag selector), and every expression must parse and use an aggregation its
// metric's type supports. It reports every problem at once; the error wraps
// ErrInvalidThreshold. The result is sorted by key.
func CompileThresholds(reg *Registry, ths map[string]config.Thresholds) ([]MetricThresholds, error) {
	keys := make([]string, 0, len(ths))
	for k := range ths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var (
		out  []MetricThresholds
		errs []error
	)
	for _, raw := range keys {
		key, err := ParseMetricKey(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m := reg.Get(key.Name)
		if m == nil {
			errs = append(errs, fmt.Errorf("%w on '%s': metric '%s' does not exist in the script", ErrInvalidThreshold, raw, key.Name))
			continue
		}
		mt := MetricThresholds{Key: key, Metric: m}
		for _, th := range ths[raw] {
			expr, err := ParseThresholdExpression(th.Source)
			if err != nil {
				errs = append(errs, fmt.Errorf("on '%s': %w", raw, err))
				continue
			}
			if !expr.Agg.Supports(m.Type) {
				errs = append(errs, fmt.Errorf("%w '%s' on '%s': aggregation method '%s' is not supported by %s metrics like '%s' (supported: %s)",
					ErrInvalidThreshold, th.Source, raw, expr.Agg, m.Type, m.Name, strings.Join(SupportedAggregations(m.Type), ", ")))
				continue
			}
			var delay time.Duration
			if th.DelayAbortEval != nil {
				delay = th.DelayAbortEval.D()
			}
			mt.Thresholds = append(mt.Thresholds, Threshold{Source: th.Source, Expr: expr, AbortOnFail: th.AbortOnFail, DelayAbortEval: delay})
		}
		out = append(out, mt)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// ThresholdResult is the outcome of one threshold in a Snapshot.
type ThresholdResult struct {
	Threshold
	// Observed is the aggregated value the expression was tested against.
	Observed float64
	// OK is true when the expression holds.
	OK bool
}

// ThresholdsCrossedMessage renders k6's message for crossed thresholds:
// `thresholds on metrics 'a, b' have been crossed`.
func ThresholdsCrossedMessage(keys []string) string {
	return "thresholds on metrics '" + strings.Join(keys, ", ") + "' have been crossed"
}

// evaluateThresholds tests ths against sink. A metric without samples is
// evaluated on its zero values (k6 does the same: `count>0` fails).
func evaluateThresholds(ths []Threshold, sink Sink, elapsed time.Duration) []ThresholdResult {
	res := make([]ThresholdResult, len(ths))
	for i, th := range ths {
		v, _ := sink.Aggregate(th.Expr.Agg, elapsed)
		res[i] = ThresholdResult{Threshold: th, Observed: v, OK: th.Expr.Op.Compare(v, th.Expr.Value)}
	}
	return res
}
