package modules

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"
)

func TestDurationValue(t *testing.T) {
	rt := sobek.New()
	cases := []struct {
		name    string
		src     string
		want    time.Duration
		wantErr string
	}{
		{"milliseconds", "1500", 1500 * time.Millisecond, ""},
		{"fractional milliseconds", "2.5", 2500 * time.Microsecond, ""},
		{"string", `"250ms"`, 250 * time.Millisecond, ""},
		{"compound string", `"1m30s"`, 90 * time.Second, ""},
		{"days", `"1d"`, 24 * time.Hour, ""},
		{"bare seconds string", `"2"`, 2 * time.Second, ""},
		{"negative number", "-1", 0, "must not be negative"},
		{"negative string", `"-5s"`, 0, "must not be negative"},
		{"not finite", "Infinity", 0, "is not a duration"},
		{"garbage string", `"soon"`, 0, "invalid duration"},
		{"object", "({})", 0, "is not a duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := rt.RunString(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DurationValue(v)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("DurationValue(%s) error = %v, want one containing %q", tc.src, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("DurationValue(%s) = %v, %v; want %v", tc.src, got, err, tc.want)
			}
		})
	}
}

func TestIsNullish(t *testing.T) {
	rt := sobek.New()
	for _, tt := range []struct {
		v    sobek.Value
		want bool
	}{
		{nil, true}, {sobek.Undefined(), true}, {sobek.Null(), true},
		{rt.ToValue(0), false}, {rt.ToValue(""), false}, {rt.ToValue(false), false}, {rt.NewObject(), false},
	} {
		if got := IsNullish(tt.v); got != tt.want {
			t.Errorf("IsNullish(%v) = %t", tt.v, got)
		}
	}
}
