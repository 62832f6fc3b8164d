package queue

import (
	"testing"

	"github.com/stampede-load/stampede/metrics"
)

func TestTagsFor(t *testing.T) {
	c, _ := newTestClient(t, Config{BaseURL: "http://127.0.0.1:1", Region: "europeWest", Mode: "isolated"})
	vu := metrics.NewTagSet(map[string]string{"scenario": "default", "group": ""})
	inGroup := vu.With("group", "::checkout")

	tests := []struct {
		name string
		base *metrics.TagSet
		op   string
		want map[string]string
	}{
		{name: "latency", base: vu, want: map[string]string{"scenario": "default", "group": "", "region": "europeWest", "mode": "isolated"}},
		{name: "error_rate", base: vu, op: OpJoin, want: map[string]string{"scenario": "default", "group": "", "region": "europeWest", "mode": "isolated", "op": OpJoin}},
		{name: "new VU tags", base: inGroup, op: OpLeave, want: map[string]string{"scenario": "default", "group": "::checkout", "region": "europeWest", "mode": "isolated", "op": OpLeave}},
		{name: "back to the first tags", base: vu, op: OpLeave, want: map[string]string{"scenario": "default", "group": "", "region": "europeWest", "mode": "isolated", "op": OpLeave}},
		{name: "no VU tags", base: nil, want: map[string]string{"region": "europeWest", "mode": "isolated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.tagsFor(tt.base, tt.op).Map()
			if len(got) != len(tt.want) {
				t.Fatalf("tags %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Fatalf("tags %v, want %v", got, tt.want)
				}
			}
		})
	}

	// The same base and op give the same tag set, built once.
	if a, b := c.tagsFor(vu, OpJoin), c.tagsFor(vu, OpJoin); a != b {
		t.Error("tag set rebuilt for the same VU tags and op")
	}
}
