package config

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidConfig is wrapped by every configuration error: a wrong type, a
// value out of range, conflicting options. The CLI maps it to exit code 104.
// engine.ErrInvalidConfig is the same error value.
var ErrInvalidConfig = errors.New("invalid configuration")

// OptionError is one problem with one option. Its message names the option
// (a path such as "scenarios.browse.vus" or the K6_* variable or --flag it came
// from), the offending value and what is allowed.
type OptionError struct {
	Option  string // option path, env var or flag
	Value   string // the offending value as written ("" when the problem is a missing value)
	Allowed string // what is allowed, or what went wrong
}

// Error renders `option "vus": invalid value "ten": expected an integer`.
func (e *OptionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "option %q: ", e.Option)
	if e.Value != "" {
		fmt.Fprintf(&b, "invalid value %s: ", e.Value)
	}
	b.WriteString(e.Allowed)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalidConfig) true.
func (e *OptionError) Unwrap() error { return ErrInvalidConfig }

// optErr builds an OptionError; value is shown quoted when it is a Go string.
func optErr(option string, value any, allowed string, args ...any) *OptionError {
	var v string
	switch x := value.(type) {
	case nil:
	case string:
		v = truncate(fmt.Sprintf("%q", x))
	case rawValue:
		v = truncate(string(x))
	default:
		v = truncate(fmt.Sprint(x))
	}
	if len(args) > 0 {
		allowed = fmt.Sprintf(allowed, args...)
	}
	return &OptionError{Option: option, Value: v, Allowed: allowed}
}

// rawValue is a JSON text shown as is in error messages.
type rawValue string

func truncate(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max-3] + "..."
}

// plainErr is a configuration problem that is not about a single value (for
// example two shorthands set together). It wraps ErrInvalidConfig.
type plainErr struct{ msg string }

func (e *plainErr) Error() string { return e.msg }
func (e *plainErr) Unwrap() error { return ErrInvalidConfig }

func newPlainErr(format string, args ...any) error {
	return &plainErr{msg: fmt.Sprintf(format, args...)}
}
