package config

import (
	"encoding/json"
	"errors"
	"fmt"
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
	*d = Duration(time.Duration(ms * float64(time.Millisecond)))
	return nil
}

// ErrInvalidDuration is wrapped by ParseDuration's errors.
var ErrInvalidDuration = errors.New("invalid duration")

// ParseDuration parses k6 duration strings: Go's syntax plus a "d" (day) unit,
// and a bare number meaning seconds (as k6's CLI flags accept).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%w: empty string", ErrInvalidDuration)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(f * float64(time.Second)), nil
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("%w %q: expected a value like 30s, 1m30s or 1d2h", ErrInvalidDuration, s)
		}
		days = time.Duration(n * 24 * float64(time.Hour))
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%w %q: expected a value like 30s, 1m30s or 1d2h", ErrInvalidDuration, s)
	}
	return days + d, nil
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
