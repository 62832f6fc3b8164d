package smallmap

import "testing"

func TestMap(t *testing.T) {
	var m Map[int]
	if _, ok := m.Get("a"); ok || m.Len() != 0 {
		t.Fatal("zero Map not empty")
	}
	m.Set("a", 1)
	m.Set("b", 2)
	m.Set("a", 3)
	m.Set("c", 4)
	m.Delete("b")
	m.Delete("nope")
	for k, want := range map[string]int{"a": 3, "c": 4} {
		if v, ok := m.Get(k); !ok || v != want {
			t.Errorf("%s = %d, %v; want %d", k, v, ok, want)
		}
	}
	if _, ok := m.Get("b"); ok || m.Len() != 2 {
		t.Errorf("b still set or Len %d", m.Len())
	}
}
