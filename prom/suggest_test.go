package prom

import (
	"math"
	"reflect"
	"testing"
)

func TestMetricNamesInQuery(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"up", []string{"up"}},
		{"redis_used_memory_bytes", []string{"redis_used_memory_bytes"}},
		{`rate(http_requests_total{job="api", code=~"5.."}[5m])`, []string{"http_requests_total"}},
		{`sum by (job, instance) (rate(a_total[1m])) / on(job) group_left(team) b_info`, []string{"a_total", "b_info"}},
		{`sum(rate(a_total[1m])) without (pod)`, []string{"a_total"}},
		{`{__name__="x_bytes", job="j"}`, []string{"x_bytes"}},
		{`a offset 5m and b @ 1700000000 or c unless d`, []string{"a", "b", "c", "d"}},
		{`label_replace(up, "dst", "$1 some_word", "src", "(.*)")`, []string{"up"}},
		{`histogram_quantile(0.99, sum by (le) (rate(req_seconds_bucket[5m])))`, []string{"req_seconds_bucket"}},
		{`1 + 2 * 3e4 - 0x1F`, nil},
		{`x > bool 1 # comment mentioning y_total`, []string{"x"}},
		{`a + a`, []string{"a"}},
		{`ns:recording:rule_rate5m`, []string{"ns:recording:rule_rate5m"}},
		{`max_over_time(m[1h:5m])`, []string{"m"}},
		{`topk(3, m)`, []string{"m"}},
		{`vector(1) + time()`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if got := MetricNamesInQuery(tt.q); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSuggestMetricNames(t *testing.T) {
	known := []string{
		"redis_memory_used_bytes", "redis_memory_max_bytes", "redis_connected_clients",
		"redis_connected_slaves", "pg_stat_database_xact_commit", "pg_stat_database_xact_rollback",
		"pg_stat_database_blks_read", "up", "process_cpu_seconds_total",
	}
	tests := []struct {
		name  string
		query string
		n     int
		want  []string
	}{
		{"reordered words", "redis_used_memory_bytes", 1, []string{"redis_memory_used_bytes"}},
		{"reordered words ranks first", "redis_used_memory_bytes", 3, []string{"redis_memory_used_bytes", "redis_memory_max_bytes"}},
		{"typo", "redis_conected_clients", 1, []string{"redis_connected_clients"}},
		{"suffix", "pg_stat_database_xact_commits", 2, []string{"pg_stat_database_xact_commit", "pg_stat_database_xact_rollback"}},
		{"nothing close", "zzz_qqq", 3, []string{}},
		{"exact name is not suggested", "up", 3, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SuggestMetricNames(tt.query, known, tt.n); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"same", "same", 0},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			if got := levenshtein(tt.a, tt.b); got != tt.want {
				t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
			if got := levenshtein(tt.b, tt.a); got != tt.want {
				t.Errorf("levenshtein(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name          string
		before, after map[string]float64
		want          map[string]float64
	}{
		{"both sides", map[string]float64{"a": 1, "b": 10}, map[string]float64{"a": 4, "b": 5}, map[string]float64{"a": 3, "b": -5}},
		{"one side only", map[string]float64{"a": 1}, map[string]float64{"b": 2}, map[string]float64{"a": nan, "b": nan}},
		{"NaN propagates", map[string]float64{"a": nan}, map[string]float64{"a": 2}, map[string]float64{"a": nan}},
		{"empty", nil, nil, map[string]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.before, tt.after)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				g, ok := got[k]
				if !ok || math.IsNaN(g) != math.IsNaN(w) || (!math.IsNaN(w) && g != w) {
					t.Errorf("%s = %v, want %v", k, g, w)
				}
			}
		})
	}
}
