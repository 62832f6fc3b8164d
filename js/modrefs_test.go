package js

import (
	"errors"
	"net/url"
	"testing"
)

func TestModuleRefs(t *testing.T) {
	var m moduleRefs
	main := &url.URL{Scheme: "file", Path: "/proj/scripts/main.js"}

	kind, u1, err := m.resolve(main, "./lib/env.js")
	if err != nil || kind != specFile || u1.String() != "file:///proj/scripts/lib/env.js" {
		t.Fatalf("resolve = %v, %v, %v", kind, u1, err)
	}
	_, u2, _ := m.resolve(main, "./lib/env.js")
	if u1 != u2 {
		t.Error("the same base and specifier resolved to two URLs: info would not be shared")
	}
	if _, u3, _ := m.resolve(u1, "./env.js"); u3 == u1 || u3.String() != u1.String() {
		t.Errorf("from another base: %v (same pointer %v)", u3, u3 == u1)
	}
	if kind, u, err := m.resolve(main, "k6/http"); kind != specBuiltin || u != nil || err != nil {
		t.Errorf("builtin: %v, %v, %v", kind, u, err)
	}
	for range 2 { // errors are returned every time, not remembered as URLs
		if _, _, err := m.resolve(main, "lodash"); !errors.Is(err, ErrModuleNotFound) {
			t.Errorf("bare specifier: %v", err)
		}
	}

	i := m.info(u1)
	if i.key != "file:///proj/scripts/lib/env.js" || i.dir.String() != "file:///proj/scripts/lib/" ||
		i.filename != "/proj/scripts/lib/env.js" || i.dirname != "/proj/scripts/lib" {
		t.Errorf("info = %+v (dir %v)", i, i.dir)
	}
	if m.info(u1) != i {
		t.Error("info not remembered")
	}

	c := m.caller("file:///proj/scripts/lib/users.js")
	if c == nil || c.Path != "/proj/scripts/lib/users.js" || m.caller("file:///proj/scripts/lib/users.js") != c {
		t.Errorf("caller = %v", c)
	}
	for _, name := range []string{"<native>", "relative/name.js", "%zz"} {
		if c := m.caller(name); c != nil {
			t.Errorf("caller(%q) = %v, want nil", name, c)
		}
	}
}
