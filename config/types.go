package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that decodes from k6's forms: a Go duration string
// ("1m30s", "500ms"), with days allowed ("1d2h"), or a number of milliseconds.
// It encodes as a duration string.
type Duration time.Duration

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String renders the duration like k6 ("1m30s").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON encodes the duration as a string ("30s").
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON accepts a duration string or a number of milliseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("a duration must be a string like \"30s\" or a number of milliseconds, got %s", string(b))
	}
	v, ok := scaleDuration(ms, time.Millisecond)
	if !ok {
		return fmt.Errorf("%w: %s milliseconds is out of range", ErrInvalidDuration, string(b))
	}
	*d = Duration(v)
	return nil
}

// scaleDuration returns f units as a Duration, or false when f is not finite
// or the result does not fit.
func scaleDuration(f float64, unit time.Duration) (time.Duration, bool) {
	v := f * float64(unit)
	if math.IsNaN(v) || v >= math.MaxInt64 || v <= math.MinInt64 {
		return 0, false
	}
	return time.Duration(v), true
}

// ErrInvalidDuration is wrapped by ParseDuration's errors.
var ErrInvalidDuration = errors.New("invalid duration")

// ParseDuration parses k6 duration strings: Go's syntax plus a leading "d"
// (day) unit ("1d2h30m"), and a bare decimal number meaning seconds (as k6's
// CLI flags accept). Values that do not fit a time.Duration are errors.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%w: empty string", ErrInvalidDuration)
	}
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("%w %q: expected a value like 30s, 1m30s or 1d2h", ErrInvalidDuration, s)
	}
	if isDecimal(s) {
		f, err := strconv.ParseFloat(s, 64)
		if d, ok := scaleDuration(f, time.Second); err == nil && ok {
			return d, nil
		}
		return bad()
	}
	var days time.Duration
	rest := s
	if i := strings.IndexByte(s, 'd'); i > 0 {
		if !isDecimal(s[:i]) {
			return bad()
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		var ok bool
		if days, ok = scaleDuration(n, 24*time.Hour); err != nil || !ok {
			return bad()
		}
		rest = s[i+1:]
		if rest == "" {
			return days, nil
		}
		if rest[0] == '-' || rest[0] == '+' {
			return bad()
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return bad()
	}
	if days < 0 {
		d = -d // "-1d2h" is minus one day and two hours
	}
	sum := days + d
	if (days > 0 && d > 0 && sum < 0) || (days < 0 && d < 0 && sum > 0) {
		return bad()
	}
	return sum, nil
}

// isDecimal reports whether s is a plain decimal number: an optional sign,
// digits and at most one dot (no exponent, no NaN or Inf).
func isDecimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	digits, dots := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// Stage is one step of a ramping executor: reach Target over Duration.
type Stage struct {
	Duration Duration `json:"duration"`
	Target   int64    `json:"target"`
}

// Threshold is one threshold expression with k6's object-form options.
type Threshold struct {
	Source         string    `json:"threshold"`
	AbortOnFail    bool      `json:"abortOnFail,omitempty"`
	DelayAbortEval *Duration `json:"delayAbortEval,omitempty"`
}

// UnmarshalJSON accepts a plain string or {threshold, abortOnFail, delayAbortEval}.
func (t *Threshold) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &t.Source)
	}
	type plain Threshold
	var p plain
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("a threshold must be a string or {threshold, abortOnFail, delayAbortEval}: %w", err)
	}
	*t = Threshold(p)
	return nil
}

// Thresholds is the list of thresholds of one metric (or sub-metric) key.
type Thresholds []Threshold

// UnmarshalJSON accepts a single threshold or an array of them.
func (ts *Thresholds) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		var list []Threshold
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*ts = list
		return nil
	}
	var one Threshold
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*ts = Thresholds{one}
	return nil
}
