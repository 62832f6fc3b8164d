package vu

import (
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
	ex    modules.Exports
	named map[string]any // named exports (nil: properties of the default object)
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
	ns := &namespace{rt: rt, ex: ex, named: ex.Named}
	ns.self = rt.NewDynamicObject(ns)
	return ns.self
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
	if n.named != nil || n.ex.Default == nil {
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
	if raw, ok := n.named[key]; ok {
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
	if _, ok := n.named[key]; ok {
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
	if n.keys == nil && len(n.named) > 0 {
		// Sorted on first use: most scripts never list a namespace.
		n.keys = make([]string, 0, len(n.named))
		for k := range n.named {
			n.keys = append(n.keys, k)
		}
		sort.Strings(n.keys)
	}
	out := make([]string, 0, len(n.keys)+1)
	out = append(out, n.keys...)
	return append(out, "default")
}
