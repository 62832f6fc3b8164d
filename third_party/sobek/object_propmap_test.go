package sobek

import (
	"fmt"
	"testing"

	"github.com/grafana/sobek/unistring"
)

// TestPropMap checks the slice-then-map storage against a Go map through
// adds, overwrites, nil values (templated objects' deleted properties) and
// deletes, across the switch from the small slice to the map.
func TestPropMap(t *testing.T) {
	var m propMap
	want := map[unistring.String]Value{}
	check := func(step string) {
		t.Helper()
		if m.len() != len(want) {
			t.Fatalf("%s: len %d, want %d", step, m.len(), len(want))
		}
		for k, v := range want {
			got, ok := m.lookup(k)
			if !ok || got != v {
				t.Fatalf("%s: lookup(%q) = %v, %v; want %v, true", step, k, got, ok, v)
			}
		}
		if _, ok := m.lookup("absent"); ok {
			t.Fatalf("%s: lookup of an absent name succeeded", step)
		}
	}
	for i := 0; i < 3*propMapSmall; i++ {
		name := unistring.String(fmt.Sprintf("p%d", i))
		v := intToValue(int64(i))
		if i%5 == 4 {
			v = nil
		}
		m.set(name, v)
		want[name] = v
		check(fmt.Sprintf("add %d", i))
		if i == propMapSmall-1 && m.big != nil {
			t.Fatalf("moved to a map at %d entries", i+1)
		}
		if i == propMapSmall && m.big == nil {
			t.Fatalf("still a slice at %d entries", i+1)
		}
	}
	m.set("p1", valueTrue)
	want["p1"] = valueTrue
	check("overwrite")
	for i := 0; i < 3*propMapSmall; i += 2 {
		name := unistring.String(fmt.Sprintf("p%d", i))
		m.del(name)
		delete(want, name)
		check(fmt.Sprintf("delete %d", i))
	}

	var s propMap
	for _, n := range []unistring.String{"a", "b", "c"} {
		s.set(n, stringValueFromRaw(n))
	}
	s.del("b")
	s.del("missing")
	if s.len() != 2 || s.has("b") || !s.has("a") || !s.has("c") {
		t.Fatalf("small delete: len %d, has a/b/c %v/%v/%v", s.len(), s.has("a"), s.has("b"), s.has("c"))
	}
}

func TestPropMapObjects(t *testing.T) {
	vm := New()
	v, err := vm.RunString(`
		var o = {};
		for (var i = 0; i < 20; i++) o["k" + i] = i;
		for (var i = 0; i < 20; i += 3) delete o["k" + i];
		function f(a, b) {}
		f.extra = 1;
		delete f.name;
		var keys = Object.keys(o).join(",");
		var sum = 0;
		for (var k in o) sum += o[k];
		[keys, sum, f.length, f.name, f.extra, Object.getOwnPropertyNames(f).sort().join(",")].join("|");
	`)
	if err != nil {
		t.Fatal(err)
	}
	want := "k1,k2,k4,k5,k7,k8,k10,k11,k13,k14,k16,k17,k19|127|2||1|extra,length,prototype"
	if got := v.String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
