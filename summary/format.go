package summary

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/stampede-load/stampede/metrics"
)

// jsNumber renders v as JavaScript's Number.prototype.toString does (the
// shortest representation that round-trips; exponent form below 1e-6 and from
// 1e21 up), which is what k6's summary prints for plain numbers.
func jsNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	case v == 0:
		return "0"
	}
	if a := math.Abs(v); a >= 1e21 || a < 1e-6 {
		s := strconv.FormatFloat(v, 'e', -1, 64) // 1.5e+21, 1e-07
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		return mant + "e" + string(sign) + exp
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// jsToFixed renders v with exactly prec decimals like JavaScript's toFixed:
// the exact binary value is rounded half away from zero (Go's formatting
// rounds exact ties to even, so 0.125 would become 0.12 instead of 0.13).
func jsToFixed(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1e21 {
		return jsNumber(v)
	}
	// An exact decimal expansion of a float64 has at most 1074 fractional digits.
	exact := new(big.Float).SetFloat64(v).Text('f', 1100)
	neg := strings.HasPrefix(exact, "-")
	exact = strings.TrimPrefix(exact, "-")
	intPart, frac, _ := strings.Cut(exact, ".")
	digits := []byte(intPart + frac[:prec])
	if frac[prec] >= '5' { // round half up on the magnitude
		i := len(digits) - 1
		for ; i >= 0; i-- {
			if digits[i] == '9' {
				digits[i] = '0'
				continue
			}
			digits[i]++
			break
		}
		if i < 0 {
			digits = append([]byte{'1'}, digits...)
		}
	}
	n := len(digits) - prec
	out := string(digits[:n])
	if prec > 0 {
		out += "." + string(digits[n:])
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out
}

// fixedNoTrailingZeros is k6's toFixedNoTrailingZeros: toFixed(prec), then
// back to a number and to its shortest string ("147.20" -> "147.2").
func fixedNoTrailingZeros(v float64, prec int) string {
	f, err := strconv.ParseFloat(jsToFixed(v, prec), 64)
	if err != nil {
		return jsNumber(v)
	}
	return jsNumber(f)
}

// fixedNoTrailingZerosTrunc truncates (not rounds) to prec decimals first.
func fixedNoTrailingZerosTrunc(v float64, prec int) string {
	mult := math.Pow(10, float64(prec))
	return fixedNoTrailingZeros(math.Trunc(mult*v)/mult, prec)
}

// humanizeGenericDuration renders a duration in milliseconds the way k6 does:
// 0s, 812ns, 7.5µs, 140.36ms, 1.2s, 1m30s, 1h2m3s (digits truncated).
func humanizeGenericDuration(ms float64) string {
	if ms == 0 {
		return "0s"
	}
	if ms < 0.001 {
		return jsNumber(math.Trunc(ms*1e6)) + "ns"
	}
	if ms < 1 {
		return fixedNoTrailingZerosTrunc(ms*1000, 2) + "µs"
	}
	if ms < 1000 {
		return fixedNoTrailingZerosTrunc(ms, 2) + "ms"
	}
	prec := 2
	if ms > 60000 {
		prec = 0
	}
	result := fixedNoTrailingZerosTrunc(math.Mod(ms, 60000)/1000, prec) + "s"
	rem := math.Trunc(ms / 60000)
	if rem < 1 {
		return result
	}
	result = jsNumber(math.Mod(rem, 60)) + "m" + result
	rem = math.Trunc(rem / 60)
	if rem < 1 {
		return result
	}
	return jsNumber(rem) + "h" + result
}

// timeUnits are the summaryTimeUnit values: factor from milliseconds and suffix.
var timeUnits = map[string]struct {
	coef float64
	unit string
}{
	"s":  {0.001, "s"},
	"ms": {1, "ms"},
	"us": {1000, "µs"},
}

// humanizeDuration renders milliseconds in timeUnit (s, ms, us) with two
// decimals, or adaptively when timeUnit is "".
func humanizeDuration(ms float64, timeUnit string) string {
	if u, ok := timeUnits[timeUnit]; ok {
		return jsToFixed(ms*u.coef, 2) + u.unit
	}
	return humanizeGenericDuration(ms)
}

// humanizeBytes renders a byte count with SI units: 4.5 kB, 519 kB, 1.3 MB.
func humanizeBytes(b float64) string {
	if b < 10 {
		return jsNumber(b) + " B"
	}
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	e := math.Floor(math.Log(b) / math.Log(1000))
	e = math.Min(e, float64(len(units)-1))
	val := math.Floor(b/math.Pow(1000, e)*10+0.5) / 10
	prec := 0
	if val < 10 {
		prec = 1
	}
	return jsToFixed(val, prec) + " " + units[int(e)]
}

// humanizeRate renders a Rate metric's share as a percentage, truncated to
// two decimals: 0.99999 -> "99.99%".
func humanizeRate(r float64) string {
	return jsToFixed(math.Trunc(r*100*100)/100, 2) + "%"
}

// humanizeValue renders one value of a metric by its type and value type.
func humanizeValue(v float64, m *metrics.Metric, timeUnit string) string {
	if m.Type == metrics.Rate {
		return humanizeRate(v)
	}
	switch m.Contains {
	case metrics.Data:
		return humanizeBytes(v)
	case metrics.Time:
		return humanizeDuration(v, timeUnit)
	default:
		return fixedNoTrailingZeros(v, 6)
	}
}

// humanizePerSecond renders a counter's rate ("6.56109/s", "76 kB/s").
func humanizePerSecond(v float64, m *metrics.Metric, timeUnit string) string {
	return humanizeValue(v, &metrics.Metric{Type: metrics.Counter, Contains: m.Contains}, timeUnit) + "/s"
}
