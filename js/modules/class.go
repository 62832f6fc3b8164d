package modules

import (
	"fmt"
	"slices"

	"github.com/grafana/sobek"
)

// ClassSpec describes the JavaScript objects of a Class: read-only
// properties computed from the Go value, and methods.
type ClassSpec[T any] struct {
	// Name is the class's name in errors ("Client").
	Name string
	// Props are the objects' own enumerable, read-only properties, in
	// Object.keys order; Prop returns one of them for a Go value.
	Props []string
	Prop  func(v T, name string) sobek.Value
	// Methods receive the Go value behind `this`.
	Methods map[string]func(v T, call sobek.FunctionCall) sobek.Value
}

// Class makes JavaScript objects backed by Go values of type T, for modules
// that hand out objects from a constructor (clients, custom metrics). An
// object is a small Go struct rather than a sobek property map, and the
// methods are functions shared by every object of the class in the VU,
// each made on first use: a VU pays for the methods its script calls, not
// for every method of every object. Like a JavaScript class's methods they
// work through `this`: called on something else (a method taken off its
// object), they throw a TypeError naming the class.
//
// Properties the script assigns are kept on the object; the read-only
// properties and the methods cannot be overwritten or deleted. A Class
// belongs to one VU: use it on the VU's goroutine.
type Class[T any] struct {
	rt    *sobek.Runtime
	spec  *ClassSpec[T]
	proto *sobek.Object
	// made holds the methods made so far: a script calls a few of a
	// class's methods, so a short list searched in order, not a map sized
	// for all of them (a map was ~0.5 KB per class per VU).
	made []madeMethod
}

type madeMethod struct {
	name string
	fn   sobek.Value
}

// NewClass returns the class for rt. spec is not copied: keep it unchanged
// (a package-level variable shared by every VU is the usual form).
func NewClass[T any](rt *sobek.Runtime, spec *ClassSpec[T]) *Class[T] {
	return &Class[T]{rt: rt, spec: spec}
}

// SetPrototype makes the objects created from now on inherit from proto,
// typically the constructor's prototype so that `instanceof` works.
func (c *Class[T]) SetPrototype(proto *sobek.Object) { c.proto = proto }

// New returns a new object backed by v.
func (c *Class[T]) New(v T) *sobek.Object {
	o := c.rt.NewDynamicObject(&classObject[T]{class: c, v: v})
	if c.proto != nil {
		_ = o.SetPrototype(c.proto)
	}
	return o
}

// Unwrap returns the Go value behind val when val is an object of c.
func (c *Class[T]) Unwrap(val sobek.Value) (T, bool) {
	if o, ok := val.(*sobek.Object); ok {
		if co, ok := o.Export().(*classObject[T]); ok && co.class == c {
			return co.v, true
		}
	}
	var zero T
	return zero, false
}

// method returns the shared function for name, making it on first use.
func (c *Class[T]) method(name string) sobek.Value {
	for i := range c.made {
		if c.made[i].name == name {
			return c.made[i].fn
		}
	}
	impl, ok := c.spec.Methods[name]
	if !ok {
		return nil
	}
	fn := c.rt.ToValue(func(call sobek.FunctionCall) sobek.Value {
		v, ok := c.Unwrap(call.This)
		if !ok {
			panic(c.rt.NewTypeError(fmt.Sprintf("%s.%s must be called on a %s object, as obj.%s(...)", c.spec.Name, name, c.spec.Name, name)))
		}
		return impl(v, call)
	})
	c.made = append(c.made, madeMethod{name, fn})
	return fn
}

func (c *Class[T]) fixed(key string) bool {
	_, isMethod := c.spec.Methods[key]
	return isMethod || slices.Contains(c.spec.Props, key)
}

// classObject is one object of a Class (a sobek.DynamicObject).
type classObject[T any] struct {
	class *Class[T]
	v     T
	extra ScriptProps // properties set by the script
}

// ScriptProps are the properties a script sets on a Go-backed object (a
// sobek.DynamicObject: a Class's objects, a Go-made prototype), in the
// order they were first set. The zero value is empty; the map is made on
// the first Set, so objects the script never writes to cost nothing more.
type ScriptProps struct {
	m     map[string]sobek.Value
	order []string
}

// Get returns the property key (nil when the script did not set it).
func (p *ScriptProps) Get(key string) sobek.Value { return p.m[key] }

// Has reports whether the script set key.
func (p *ScriptProps) Has(key string) bool {
	_, ok := p.m[key]
	return ok
}

// Set sets key to val.
func (p *ScriptProps) Set(key string, val sobek.Value) {
	if p.m == nil {
		p.m = make(map[string]sobek.Value, 2)
	}
	if _, ok := p.m[key]; !ok {
		p.order = append(p.order, key)
	}
	p.m[key] = val
}

// Delete removes key.
func (p *ScriptProps) Delete(key string) {
	if _, ok := p.m[key]; ok {
		delete(p.m, key)
		p.order = slices.DeleteFunc(p.order, func(k string) bool { return k == key })
	}
}

// Keys lists the keys in the order they were first set (do not modify it).
func (p *ScriptProps) Keys() []string { return p.order }

func (o *classObject[T]) Get(key string) sobek.Value {
	if slices.Contains(o.class.spec.Props, key) {
		return o.class.spec.Prop(o.v, key)
	}
	if m := o.class.method(key); m != nil {
		return m
	}
	return o.extra.Get(key) // nil: not an own property, look up the prototype
}

func (o *classObject[T]) Set(key string, val sobek.Value) bool {
	if o.class.fixed(key) {
		return false
	}
	o.extra.Set(key, val)
	return true
}

func (o *classObject[T]) Has(key string) bool {
	return o.class.fixed(key) || o.extra.Has(key)
}

func (o *classObject[T]) Delete(key string) bool {
	if o.class.fixed(key) {
		return false
	}
	o.extra.Delete(key)
	return true
}

// Keys lists the enumerable own properties: the read-only ones, then those
// the script set. Methods are not enumerable, as on a class's prototype.
func (o *classObject[T]) Keys() []string {
	return append(slices.Clip(o.class.spec.Props), o.extra.Keys()...)
}
