package metrics

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// AggKind is one of k6's aggregation methods (the left side of a threshold
// expression, and the stats of a summary).
type AggKind uint8

// The aggregation methods.
const (
	AggCount      AggKind = iota + 1 // counter: sum of values; trend: number of values
	AggRate                          // counter: count per second; rate: share of non-zero values
	AggValue                         // gauge: last value
	AggAvg                           // trend: mean
	AggMin                           // trend: smallest value
	AggMax                           // trend: largest value
	AggMed                           // trend: median
	AggPercentile                    // trend: p(N)
)

// Aggregation is an aggregation method; P is N of p(N), in [0, 100].
type Aggregation struct {
	Kind AggKind
	P    float64
}

// String renders the aggregation as k6 writes it ("avg", "p(99.9)").
func (a Aggregation) String() string {
	switch a.Kind {
	case AggCount:
		return "count"
	case AggRate:
		return "rate"
	case AggValue:
		return "value"
	case AggAvg:
		return "avg"
	case AggMin:
		return "min"
	case AggMax:
		return "max"
	case AggMed:
		return "med"
	case AggPercentile:
		return "p(" + strconv.FormatFloat(a.P, 'f', -1, 64) + ")"
	}
	return fmt.Sprintf("Aggregation(%d)", a.Kind)
}

// ErrInvalidAggregation is wrapped by ParseAggregation's errors.
var ErrInvalidAggregation = errors.New("invalid aggregation method")

var aggByName = map[string]AggKind{
	"count": AggCount, "rate": AggRate, "value": AggValue,
	"avg": AggAvg, "min": AggMin, "max": AggMax, "med": AggMed,
}

// ParseAggregation parses an aggregation method: avg, min, max, med, count,
// rate, value or p(N) with 0 <= N <= 100 (decimals allowed, e.g. p(99.9)).
func ParseAggregation(s string) (Aggregation, error) {
	s = strings.TrimSpace(s)
	if k, ok := aggByName[s]; ok {
		return Aggregation{Kind: k}, nil
	}
	if rest := strings.TrimSpace(strings.TrimPrefix(s, "p")); len(s) > 1 && s[0] == 'p' && strings.HasPrefix(rest, "(") {
		if !strings.HasSuffix(rest, ")") {
			return Aggregation{}, fmt.Errorf("%w %q: p(N) is missing its closing parenthesis", ErrInvalidAggregation, s)
		}
		num := strings.TrimSpace(rest[1 : len(rest)-1])
		p, err := strconv.ParseFloat(num, 64)
		if err != nil || math.IsNaN(p) || math.IsInf(p, 0) {
			return Aggregation{}, fmt.Errorf("%w %q: N in p(N) must be a number between 0 and 100", ErrInvalidAggregation, s)
		}
		if p < 0 || p > 100 {
			return Aggregation{}, fmt.Errorf("%w %q: N in p(N) must be between 0 and 100, got %v", ErrInvalidAggregation, s, p)
		}
		return Aggregation{Kind: AggPercentile, P: p}, nil
	}
	return Aggregation{}, fmt.Errorf("%w %q: expected one of avg, min, max, med, p(N), count, rate, value", ErrInvalidAggregation, s)
}

// SupportedAggregations returns the aggregation methods k6 allows in
// thresholds on a metric of type t, as k6 names them.
func SupportedAggregations(t MetricType) []string {
	switch t {
	case Counter:
		return []string{"count", "rate"}
	case Gauge:
		return []string{"value"}
	case Rate:
		return []string{"rate"}
	case Trend:
		return []string{"avg", "min", "max", "med", "p(N)"}
	}
	return nil
}

// Supports reports whether a threshold on a metric of type t may use a.
func (a Aggregation) Supports(t MetricType) bool {
	switch t {
	case Counter:
		return a.Kind == AggCount || a.Kind == AggRate
	case Gauge:
		return a.Kind == AggValue
	case Rate:
		return a.Kind == AggRate
	case Trend:
		switch a.Kind {
		case AggAvg, AggMin, AggMax, AggMed, AggPercentile:
			return true
		}
	}
	return false
}
