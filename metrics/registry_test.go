package metrics

import (
	"errors"
	"sync"
	"testing"
)

func TestRegistryNewMetric(t *testing.T) {
	r := NewRegistry()
	m, err := r.NewMetric("queue_wait", Trend, Time)
	if err != nil {
		t.Fatal(err)
	}
	again, err := r.NewMetric("queue_wait", Trend, Time)
	if err != nil || again != m {
		t.Fatalf("declaring the same metric again = %p, %v; want the first one (%p)", again, err, m)
	}
	if _, err := r.NewMetric("queue_wait", Counter); !errors.Is(err, ErrMetricTypeMismatch) {
		t.Errorf("redefining the type: error %v, want ErrMetricTypeMismatch", err)
	}
	if _, err := r.NewMetric("queue_wait", Trend); !errors.Is(err, ErrMetricTypeMismatch) {
		t.Errorf("redefining the value type: error %v, want ErrMetricTypeMismatch", err)
	}
	for _, bad := range []string{"", "1st", "has space", "dash-ed"} {
		if _, err := r.NewMetric(bad, Counter); !errors.Is(err, ErrInvalidMetricName) {
			t.Errorf("NewMetric(%q): error %v, want ErrInvalidMetricName", bad, err)
		}
		if r.Get(bad) != nil {
			t.Errorf("the invalid name %q was registered", bad)
		}
	}
}

// VUs declare their metrics concurrently: all get the same one.
func TestRegistryNewMetricConcurrent(t *testing.T) {
	r := NewRegistry()
	const n = 16
	got := make([]*Metric, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := r.NewMetric("shared_counter", Counter)
			if err != nil {
				t.Error(err)
			}
			got[i] = m
		}()
	}
	wg.Wait()
	for i, m := range got {
		if m == nil || m != got[0] {
			t.Fatalf("goroutine %d got %p, goroutine 0 got %p", i, m, got[0])
		}
	}
}
