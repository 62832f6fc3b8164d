package http

import "testing"

// A sharedCache gives back what was put, and starts again past its bound.
func TestSharedCache(t *testing.T) {
	c := sharedCache[string, int]{max: 3}
	if _, ok := c.get("a"); ok {
		t.Fatal("empty cache has a")
	}
	c.put("a", 1)
	c.put("b", 2)
	c.put("c", 3)
	if v, ok := c.get("b"); !ok || v != 2 {
		t.Fatalf("b = %d, %v", v, ok)
	}
	c.put("d", 4) // past the bound: the cache starts again with d
	if _, ok := c.get("a"); ok {
		t.Error("a kept past the bound")
	}
	if v, ok := c.get("d"); !ok || v != 4 {
		t.Errorf("d = %d, %v", v, ok)
	}
}
