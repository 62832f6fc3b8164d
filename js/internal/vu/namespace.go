package vu

import (
	"slices"
	"sort"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modules"
)

// namespace is a module's namespace object: its exports converted to
// JavaScript values on first access, so a VU pays only for the exports its
// script uses. It is read-only, like an ES module namespace.
type namespace struct {
	rt    *sobek.Runtime
	self  *sobek.Object
	ex    modules.Exports // named exports in ex.Named or ex.Table (neither: properties of the default object)
	keys  []string
	vals  []nsValue // exports converted so far: a script reads a few, in order of first use
	def   sobek.Value
	defOb *sobek.Object // the default export as an object, when it supplies the names
}

// nsValue is an export of a namespace converted to a JavaScript value.
type nsValue struct {
	key string
	v   sobek.Value
}

func newNamespace(rt *sobek.Runtime, ex modules.Exports) *sobek.Object {
	if ex.Named != nil {
		ex.Table = nil
	}
	ns := &namespace{rt: rt, ex: ex}
	ns.self = rt.NewDynamicObject(ns)
	return ns.self
}

// hasNamed reports whether the module lists named exports (else the
// default object's properties are the names).
func (n *namespace) hasNamed() bool { return n.ex.Named != nil || n.ex.Table != nil }

// named returns the named export key.
func (n *namespace) named(key string) (any, bool) {
	if n.ex.Table != nil {
		return n.ex.Table.Export(key)
	}
	v, ok := n.ex.Named[key]
	return v, ok
}

func (n *namespace) defaultValue() sobek.Value {
	if n.def == nil {
		if n.ex.Default == nil {
			n.def = n.self
		} else {
			n.def = n.rt.ToValue(modules.Resolve(n.ex.Default))
		}
	}
	return n.def
}

// defaultObject returns the default export as an object when it provides
// the named exports (no Named map).
func (n *namespace) defaultObject() *sobek.Object {
	if n.hasNamed() || n.ex.Default == nil {
		return nil
	}
	if n.defOb == nil {
		o, ok := n.defaultValue().(*sobek.Object)
		if !ok {
			return nil
		}
		n.defOb = o
		n.keys = o.Keys()
	}
	return n.defOb
}

func (n *namespace) Get(key string) sobek.Value {
	switch key {
	case "default":
		return n.defaultValue()
	case "__esModule":
		return n.rt.ToValue(true)
	}
	for i := range n.vals {
		if n.vals[i].key == key {
			return n.vals[i].v
		}
	}
	var v sobek.Value
	if raw, ok := n.named(key); ok {
		v = n.rt.ToValue(modules.Resolve(raw))
	} else if o := n.defaultObject(); o != nil {
		v = o.Get(key)
		if v == nil {
			return nil
		}
	} else {
		return nil
	}
	n.vals = append(n.vals, nsValue{key, v})
	return v
}

func (n *namespace) Set(string, sobek.Value) bool { return false }

func (n *namespace) Has(key string) bool {
	if key == "default" || key == "__esModule" {
		return true
	}
	if n.ex.Table != nil {
		// Asking the table would make the export.
		_, ok := slices.BinarySearch(n.names(), key)
		return ok
	}
	if _, ok := n.ex.Named[key]; ok {
		return true
	}
	if o := n.defaultObject(); o != nil {
		return o.Get(key) != nil
	}
	return false
}

func (n *namespace) Delete(string) bool { return false }

func (n *namespace) Keys() []string {
	n.defaultObject()
	n.names()
	out := make([]string, 0, len(n.keys)+1)
	out = append(out, n.keys...)
	return append(out, "default")
}

// names returns the named exports' names, sorted (made on first use: most
// scripts never list a namespace).
func (n *namespace) names() []string {
	if n.keys == nil {
		switch {
		case n.ex.Table != nil:
			n.keys = n.ex.Table.Names()
		case len(n.ex.Named) > 0:
			n.keys = make([]string, 0, len(n.ex.Named))
			for k := range n.ex.Named {
				n.keys = append(n.keys, k)
			}
			sort.Strings(n.keys)
		}
	}
	return n.keys
}
