package modules

import (
	"fmt"
	"math"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/config"
)

// DurationValue converts a script's duration argument as k6 options accept
// it: a string ("250ms", "1m30s", "1d", or bare seconds) or a number of
// milliseconds. Negative and non-finite values are errors that say what is
// allowed. Extensions use it for their timeout-like options.
func DurationValue(v sobek.Value) (time.Duration, error) {
	switch x := v.Export().(type) {
	case int64:
		if x < 0 {
			return 0, fmt.Errorf("%d must not be negative", x)
		}
		return time.Duration(x) * time.Millisecond, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return 0, fmt.Errorf("%v is not a duration; want a non-negative number of milliseconds or a string such as \"250ms\"", x)
		}
		return time.Duration(x * float64(time.Millisecond)), nil
	case string:
		d, err := config.ParseDuration(x)
		if err != nil {
			return 0, err
		}
		if d < 0 {
			return 0, fmt.Errorf("%q must not be negative", x)
		}
		return d, nil
	default:
		return 0, fmt.Errorf("%s is not a duration; use a string such as \"30s\" or a number of milliseconds", v.String())
	}
}

// IsNullish reports whether v is missing, undefined or null: an argument
// or option a script did not give.
func IsNullish(v sobek.Value) bool { return v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) }
