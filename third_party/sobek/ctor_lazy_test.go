package sobek

import (
	"fmt"
	"strings"
	"testing"
)

// STAMPEDE: a Go constructor's length, name and prototype are lazy
// (nativeCtorObject). Each line observes a fresh constructor in one way;
// want is upstream's output for the same script.
func TestLazyNativeConstructor(t *testing.T) {
	r := New()
	for i := 0; i < 13; i++ {
		ctor := r.ToValue(func(call ConstructorCall) *Object {
			_ = call.This.Set("x", 1)
			return nil
		})
		if err := r.Set(fmt.Sprintf("C%d", i), ctor); err != nil {
			t.Fatal(err)
		}
	}
	v, err := r.RunString(`[
		Object.getOwnPropertyNames(C0).join(),
		[C1.name.length > 0, C1.length, Object.getOwnPropertyNames(C1).join()].join(),
		[typeof C2.prototype, C2.prototype.constructor === C2, new C2() instanceof C2, new C2().x, Object.getOwnPropertyNames(C2).join()].join(),
		JSON.stringify(Object.getOwnPropertyDescriptor(C3, "prototype")),
		[C4.hasOwnProperty("prototype"), "prototype" in C4, Object.keys(C4).length].join(),
		(() => { C5.prototype = { a: 1 }; return [new C5().a, new C5().x, Object.getOwnPropertyNames(C5).join()].join(); })(),
		(() => { class Sub extends C6 {}; const s = new Sub(); return [s instanceof C6, s instanceof Sub, s.x, Object.getPrototypeOf(Sub) === C6].join(); })(),
		Reflect.ownKeys(C7).map(String).join(),
		(() => { "use strict"; try { delete C8.prototype; return "deleted"; } catch (e) { return e.constructor.name + " " + Object.getOwnPropertyNames(C8).join(); } })(),
		(() => { C9.foo = 1; return Object.getOwnPropertyNames(C9).join(); })(),
		(() => { const p = C10.prototype; Object.freeze(C10); return [Object.isFrozen(C10), C10.prototype === p, Object.getOwnPropertyNames(C10).join()].join(); })(),
		[Reflect.get(C11, "prototype") === Reflect.construct(C11, []).constructor.prototype, C11.call({}), Object.getOwnPropertyNames(C11).join()].join(),
	].join("\n")`)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(v.String(), "\n")
	want := strings.Split(lazyCtorWant, "\n")
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d:\n%s", len(got), len(want), v.String())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d:\ngot  %s\nwant %s", i, got[i], want[i])
		}
	}
	// new, instanceof and reading prototype leave the properties lazy.
	if _, err := r.RunString(`const o = new C12(); if (!(o instanceof C12) || Object.getPrototypeOf(o) !== C12.prototype) throw new Error("instance")`); err != nil {
		t.Fatal(err)
	}
	if c := r.Get("C12").(*Object).self.(*nativeCtorObject); !c.lazyProps || c.lazyProto == nil {
		t.Error("new C12() made the constructor's properties")
	}
}

const lazyCtorWant = `length,name,prototype
true,0,length,name,prototype
object,true,true,1,length,name,prototype
{"value":{},"writable":true,"enumerable":false,"configurable":false}
true,true,0
1,1,length,name,prototype
true,true,1,true
length,name,prototype
TypeError length,name,prototype
length,name,prototype,foo
true,true,length,name,prototype
true,,length,name,prototype`
