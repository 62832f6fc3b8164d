package metrics

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrInvalidThreshold is wrapped by every error about a threshold: a syntax
// error, an unknown metric, or an aggregation the metric's type lacks. The CLI
// maps it to k6's exit code 104 (invalid configuration).
var ErrInvalidThreshold = errors.New("invalid threshold")

// Operator is a threshold comparison operator.
type Operator uint8

// The operators of k6's threshold grammar. `==` and `===` are the same test.
const (
	OpGreater Operator = iota + 1
	OpGreaterEqual
	OpLess
	OpLessEqual
	OpEqual
	OpStrictEqual
	OpNotEqual
)

var opText = map[Operator]string{
	OpGreater: ">", OpGreaterEqual: ">=", OpLess: "<", OpLessEqual: "<=",
	OpEqual: "==", OpStrictEqual: "===", OpNotEqual: "!=",
}

// String returns the operator as written in a threshold.
func (o Operator) String() string { return opText[o] }

// Compare reports whether `left o right` holds.
func (o Operator) Compare(left, right float64) bool {
	switch o {
	case OpGreater:
		return left > right
	case OpGreaterEqual:
		return left >= right
	case OpLess:
		return left < right
	case OpLessEqual:
		return left <= right
	case OpEqual, OpStrictEqual:
		return left == right
	case OpNotEqual:
		return left != right
	}
	return false
}

// ThresholdExpression is a parsed threshold: `<aggregation> <operator> <value>`.
type ThresholdExpression struct {
	Agg   Aggregation
	Op    Operator
	Value float64
}

// String renders the expression canonically ("p(95)<200").
func (e ThresholdExpression) String() string {
	return e.Agg.String() + e.Op.String() + strconv.FormatFloat(e.Value, 'f', -1, 64)
}

// ParseThresholdExpression parses k6's threshold grammar: an aggregation
// method (avg, min, max, med, p(N), count, rate, value), an operator
// (> >= < <= == === !=) and a number, with optional spaces between them.
// Errors wrap ErrInvalidThreshold and name the expression and what is wrong.
func ParseThresholdExpression(src string) (ThresholdExpression, error) {
	fail := func(format string, args ...any) (ThresholdExpression, error) {
		return ThresholdExpression{}, fmt.Errorf("%w '%s': %s", ErrInvalidThreshold, src, fmt.Sprintf(format, args...))
	}
	i := strings.IndexAny(src, "<>=!")
	if i < 0 {
		return fail("no comparison operator; expected one of > >= < <= == === != (e.g. 'p(95)<200')")
	}
	op, n := scanOperator(src[i:])
	if op == 0 {
		return fail("unknown operator %q; expected one of > >= < <= == === !=", operatorRun(src[i:]))
	}
	left, right := strings.TrimSpace(src[:i]), strings.TrimSpace(src[i+n:])
	if left == "" {
		return fail("missing aggregation method before %q (e.g. 'avg', 'p(95)', 'rate')", op)
	}
	agg, err := ParseAggregation(left)
	if err != nil {
		return fail("%v", err)
	}
	if right == "" {
		return fail("missing number after %q", op)
	}
	v, err := strconv.ParseFloat(right, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fail("%q is not a number", right)
	}
	return ThresholdExpression{Agg: agg, Op: op, Value: v}, nil
}

// scanOperator reads the operator at the start of s and its length.
func scanOperator(s string) (Operator, int) {
	run := operatorRun(s)
	for _, op := range []Operator{OpStrictEqual, OpGreaterEqual, OpLessEqual, OpEqual, OpNotEqual, OpGreater, OpLess} {
		if run == opText[op] {
			return op, len(run)
		}
	}
	return 0, 0
}

// operatorRun returns the leading run of operator characters of s.
func operatorRun(s string) string {
	n := 0
	for n < len(s) && strings.IndexByte("<>=!", s[n]) >= 0 {
		n++
	}
	return s[:n]
}

// MetricKey is a parsed threshold key: a metric name and, for a sub-metric,
// its tag selector (`http_req_duration{status:200,method:GET}`).
type MetricKey struct {
	Name string
	// Selector is the text between the braces, trimmed ("" for a plain metric).
	Selector string
	// Tags are the selector's tags (nil for a plain metric).
	Tags *TagSet
}

// String returns the key as k6 names the (sub-)metric: `name` or `name{selector}`.
func (k MetricKey) String() string {
	if k.Selector == "" {
		return k.Name
	}
	return k.Name + "{" + k.Selector + "}"
}

// ParseMetricKey parses `name` or `name{tag:value,...}`. Keys and values are
// trimmed of spaces and of surrounding quotes; a value may itself contain
// colons, so `group:::checkout` selects the group tag `::checkout`. Errors
// wrap ErrInvalidThreshold.
func ParseMetricKey(key string) (MetricKey, error) {
	s := strings.TrimSpace(key)
	open := strings.IndexByte(s, '{')
	if open < 0 {
		if strings.IndexByte(s, '}') >= 0 {
			return MetricKey{}, fmt.Errorf("%w on '%s': '}' without '{'", ErrInvalidThreshold, key)
		}
		if s == "" {
			return MetricKey{}, fmt.Errorf("%w: empty metric name", ErrInvalidThreshold)
		}
		return MetricKey{Name: s}, nil
	}
	if !strings.HasSuffix(s, "}") {
		return MetricKey{}, fmt.Errorf("%w on '%s': a sub-metric selector must end with '}'", ErrInvalidThreshold, key)
	}
	name := strings.TrimSpace(s[:open])
	sel := strings.TrimSpace(s[open+1 : len(s)-1])
	if name == "" {
		return MetricKey{}, fmt.Errorf("%w on '%s': missing metric name before '{'", ErrInvalidThreshold, key)
	}
	if sel == "" {
		return MetricKey{}, fmt.Errorf("%w on '%s': empty sub-metric selector; expected {tag:value,...}", ErrInvalidThreshold, key)
	}
	tags := make(map[string]string)
	for _, part := range strings.Split(sel, ",") {
		k, v, ok := strings.Cut(part, ":")
		if !ok {
			return MetricKey{}, fmt.Errorf("%w on '%s': selector part %q is not tag:value", ErrInvalidThreshold, key, strings.TrimSpace(part))
		}
		k, v = trimTagPart(k), trimTagPart(v)
		if k == "" {
			return MetricKey{}, fmt.Errorf("%w on '%s': selector part %q has an empty tag name", ErrInvalidThreshold, key, strings.TrimSpace(part))
		}
		tags[k] = v
	}
	return MetricKey{Name: name, Selector: sel, Tags: NewTagSet(tags)}, nil
}

func trimTagPart(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return s
}
