package jslib_test

import (
	"net/url"
	"testing"

	"github.com/stampede-load/stampede/js/jslib"
)

func TestHas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		want bool
	}{
		{"https://jslib.k6.io/k6-utils/1.4.0/index.js", true},
		{"https://jslib.k6.io/k6-utils/1.2.0/index.js", true},
		{"https://jslib.k6.io/k6-summary/0.1.0/index.js", true},
		{"http://jslib.k6.io/k6-summary/0.0.2/index.js", true},
		{"https://jslib.k6.io/k6-utils/1.4.0/other.js", false},
		{"https://jslib.k6.io/k6-utils//index.js", false},
		{"https://jslib.k6.io/papaparse/5.1.1/index.js", false},
		{"https://example.com/k6-utils/1.4.0/index.js", false},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := jslib.Has(u); got != tc.want {
				t.Fatalf("Has = %v", got)
			}
			src, ok := jslib.Source(u)
			if ok != tc.want || (ok && src == "") {
				t.Fatalf("Source = %d bytes, %v", len(src), ok)
			}
		})
	}
}
