package modules

import (
	"strings"
	"testing"

	"github.com/grafana/sobek"
)

type counter struct {
	label string
	n     int
}

var counterSpec = ClassSpec[*counter]{
	Name:  "Counter",
	Props: []string{"label"},
	Prop:  func(c *counter, _ string) sobek.Value { return sobek.New().ToValue(c.label) },
	Methods: map[string]func(*counter, sobek.FunctionCall) sobek.Value{
		"inc": func(c *counter, call sobek.FunctionCall) sobek.Value {
			c.n += int(call.Argument(0).ToInteger())
			return sobek.Undefined()
		},
		"get": func(c *counter, _ sobek.FunctionCall) sobek.Value { return sobek.New().ToValue(c.n) },
	},
}

func newCounterRuntime(t *testing.T) (*sobek.Runtime, *Class[*counter], *counter) {
	t.Helper()
	rt := sobek.New()
	cls := NewClass(rt, &counterSpec)
	ctor := rt.ToValue(func(call sobek.ConstructorCall) *sobek.Object {
		return cls.New(&counter{label: call.Argument(0).String()})
	}).(*sobek.Object)
	cls.SetPrototype(ctor.Get("prototype").(*sobek.Object))
	if err := rt.Set("Counter", ctor); err != nil {
		t.Fatal(err)
	}
	c := &counter{label: "go"}
	if err := rt.Set("fromGo", cls.New(c)); err != nil {
		t.Fatal(err)
	}
	return rt, cls, c
}

func run(t *testing.T, rt *sobek.Runtime, src string) sobek.Value {
	t.Helper()
	v, err := rt.RunString(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return v
}

func TestClassMethodsAndProps(t *testing.T) {
	rt, cls, c := newCounterRuntime(t)
	got := run(t, rt, `
		const a = new Counter("a"), b = new Counter("b");
		a.inc(2); a.inc(3); b.inc(1); fromGo.inc(7);
		[a.label, a.get(), b.label, b.get(), fromGo.get(), a instanceof Counter,
		 a.inc === b.inc, JSON.stringify(a), Object.keys(b).join("+"), "inc" in a].join(",")`).String()
	want := "a,5,b,1,7,true,true,{\"label\":\"a\"},label,true"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if c.n != 7 {
		t.Fatalf("the Go value behind fromGo has n=%d, want 7", c.n)
	}
	if v, ok := cls.Unwrap(rt.Get("fromGo")); !ok || v != c {
		t.Fatalf("Unwrap(fromGo) = %v, %v; want the Go value", v, ok)
	}
	if _, ok := cls.Unwrap(run(t, rt, `({})`)); ok {
		t.Fatal("Unwrap accepted a plain object")
	}
}

func TestClassExtraPropertiesAndReadOnly(t *testing.T) {
	rt, _, _ := newCounterRuntime(t)
	got := run(t, rt, `
		const a = new Counter("a");
		a.note = "kept"; a.other = 1; delete a.other;
		[a.note, Object.keys(a).join("+"), "other" in a].join(",")`).String()
	if got != "kept,label+note,false" {
		t.Fatalf("got %s", got)
	}
	for _, src := range []string{
		`"use strict"; const a = new Counter("a"); a.label = "x"`,
		`"use strict"; const a = new Counter("a"); a.inc = null`,
		`"use strict"; const a = new Counter("a"); delete a.inc`,
	} {
		if _, err := rt.RunString(src); err == nil {
			t.Errorf("%s: no error, want a TypeError", src)
		}
	}
}

func TestClassMethodOffItsObject(t *testing.T) {
	rt, _, _ := newCounterRuntime(t)
	for _, src := range []string{
		`const inc = new Counter("a").inc; inc(1)`,
		`new Counter("a").inc.call({}, 1)`,
	} {
		_, err := rt.RunString(src)
		if err == nil || !strings.Contains(err.Error(), "Counter.inc must be called on a Counter object") {
			t.Errorf("%s: error = %v, want one naming the class", src, err)
		}
	}
}

func TestResolveLazy(t *testing.T) {
	calls := 0
	l := Lazy(func() any { calls++; return 42 })
	if got := Resolve(l); got != 42 || calls != 1 {
		t.Fatalf("Resolve(lazy) = %v after %d calls", got, calls)
	}
	if got := Resolve("plain"); got != "plain" {
		t.Fatalf("Resolve(plain) = %v", got)
	}
}
