package summary

import (
	"testing"

	"github.com/stampede-load/stampede/metrics"
)

var point1, point2 = 0.1, 0.2 // variables: constants would be folded exactly

func TestJSNumberAndToFixed(t *testing.T) {
	nums := []struct {
		v    float64
		want string
	}{
		{0, "0"}, {1, "1"}, {-2.5, "-2.5"}, {point1 + point2, "0.30000000000000004"}, {1e21, "1e+21"},
		{1.5e-7, "1.5e-7"}, {123456789012, "123456789012"}, {0.000001, "0.000001"},
	}
	for _, tt := range nums {
		if got := jsNumber(tt.v); got != tt.want {
			t.Errorf("jsNumber(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	fixed := []struct {
		v    float64
		prec int
		want string
	}{
		{0.125, 2, "0.13"}, // exact tie: JavaScript rounds up, Go would give 0.12
		{2.5, 0, "3"},
		{1.005, 2, "1.00"}, // 1.005 is 1.00499999... in binary
		{99.995, 2, "100.00"},
		{-0.125, 2, "-0.13"},
		{-0.0001, 2, "0.00"},
		{0, 2, "0.00"},
		{13.1221789999, 6, "13.122179"},
		{9.96, 1, "10.0"},
	}
	for _, tt := range fixed {
		if got := jsToFixed(tt.v, tt.prec); got != tt.want {
			t.Errorf("jsToFixed(%v, %d) = %q, want %q", tt.v, tt.prec, got, tt.want)
		}
	}
}

func TestHumanize(t *testing.T) {
	durations := []struct {
		ms   float64
		unit string
		want string
	}{
		{0, "", "0s"},
		{0.0000005, "", "0ns"},
		{0.000812, "", "812ns"},
		{0.0075, "", "7.5µs"},
		{0.999999, "", "999.99µs"},
		{140.3612, "", "140.36ms"},
		{999.999, "", "999.99ms"},
		{1000, "", "1s"},
		{1234.5678, "", "1.23s"},
		{59999, "", "59.99s"},
		{61500, "", "1m1s"}, // truncated, like k6,
		{90000, "", "1m30s"},
		{3723000, "", "1h2m3s"},
		{140.3612, "ms", "140.36ms"},
		{140.3612, "s", "0.14s"},
		{140.3612, "us", "140361.20µs"},
	}
	for _, tt := range durations {
		if got := humanizeDuration(tt.ms, tt.unit); got != tt.want {
			t.Errorf("humanizeDuration(%v, %q) = %q, want %q", tt.ms, tt.unit, got, tt.want)
		}
	}
	bytes := []struct {
		b    float64
		want string
	}{
		{0, "0 B"}, {9, "9 B"}, {3.5, "3.5 B"}, {10, "10 B"}, {718, "718 B"}, {999.96, "1000 B"},
		{4900, "4.9 kB"}, {519000, "519 kB"}, {75670, "76 kB"}, {1.3e6, "1.3 MB"}, {7.1e9, "7.1 GB"},
	}
	for _, tt := range bytes {
		if got := humanizeBytes(tt.b); got != tt.want {
			t.Errorf("humanizeBytes(%v) = %q, want %q", tt.b, got, tt.want)
		}
	}
	rates := []struct {
		r    float64
		want string
	}{{0, "0.00%"}, {1, "100.00%"}, {0.99999, "99.99%"}, {0.5, "50.00%"}, {1.0 / 3, "33.33%"}}
	for _, tt := range rates {
		if got := humanizeRate(tt.r); got != tt.want {
			t.Errorf("humanizeRate(%v) = %q, want %q", tt.r, got, tt.want)
		}
	}
	vals := []struct {
		v    float64
		m    metrics.Metric
		want string
	}{
		{152.3555561, metrics.Metric{Type: metrics.Trend}, "152.355556"},
		{147.2, metrics.Metric{Type: metrics.Trend}, "147.2"},
		{45, metrics.Metric{Type: metrics.Counter}, "45"},
		{519000, metrics.Metric{Type: metrics.Counter, Contains: metrics.Data}, "519 kB"},
		{0.25, metrics.Metric{Type: metrics.Rate}, "25.00%"},
		{2500, metrics.Metric{Type: metrics.Trend, Contains: metrics.Time}, "2.5s"},
	}
	for _, tt := range vals {
		if got := humanizeValue(tt.v, &tt.m, ""); got != tt.want {
			t.Errorf("humanizeValue(%v, %v/%v) = %q, want %q", tt.v, tt.m.Type, tt.m.Contains, got, tt.want)
		}
	}
	if got := humanizePerSecond(6.561089, &metrics.Metric{Type: metrics.Counter}, ""); got != "6.561089/s" {
		t.Errorf("per second = %q", got)
	}
	if got := humanizePerSecond(76000, &metrics.Metric{Type: metrics.Counter, Contains: metrics.Data}, ""); got != "76 kB/s" {
		t.Errorf("data per second = %q", got)
	}
}
