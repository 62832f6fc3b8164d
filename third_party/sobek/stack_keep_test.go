package sobek

import "testing"

// STAMPEDE: leaving the runtime keeps a small value stack for the next call,
// cleared so that it keeps nothing alive, and drops a big one.
func TestLeaveKeepsSmallStackCleared(t *testing.T) {
	r := New()
	if _, err := r.RunString(`function f(a, b, c) { const o = {a, b, c}; return [o, o]; } f(1, 2, 3)`); err != nil {
		t.Fatal(err)
	}
	s := r.vm.stack
	if cap(s) == 0 || len(s) != 0 {
		t.Fatalf("stack len %d cap %d after the call, want 0 and the capacity kept", len(s), cap(s))
	}
	for i, v := range s[:cap(s)] {
		if v != nil {
			t.Fatalf("slot %d still holds %v", i, v)
		}
	}
	if v, err := r.RunString(`f(4, 5, 6)[1].c`); err != nil || v.ToInteger() != 6 {
		t.Fatalf("second call: %v, %v", v, err)
	}
	if _, err := r.RunString(`function deep(n) { return n === 0 ? 0 : 1 + deep(n - 1) } deep(500)`); err != nil {
		t.Fatal(err)
	}
	if r.vm.stack != nil {
		t.Fatalf("a stack of capacity %d was kept", cap(r.vm.stack))
	}
}
