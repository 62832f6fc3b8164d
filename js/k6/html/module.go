package html

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/grafana/sobek"
	gohtml "golang.org/x/net/html"

	"github.com/stampede-load/stampede/js/modules"
)

func init() { modules.RegisterBuiltin("k6/html", New()) }

// RootModule is the k6/html module.
type RootModule struct{}

// New returns the k6/html module.
func New() *RootModule { return &RootModule{} }

// NewModuleInstance returns the VU's instance.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance { return newInstance(vu) }

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*Instance)(nil)
)

// Instance is one VU's k6/html: the classes of its Selection, Element and
// Attribute objects, made on first use. Use it on the VU's goroutine.
type Instance struct {
	vu modules.VU
	rt *sobek.Runtime

	selCtor, elemCtor   *sobek.Object
	selProto, elemProto *sobek.Object
	selClass            *modules.Class[Selection]
	elemClasses         []*modules.Class[Element] // by index in kindDefs, each made on first use
	attrClass           *modules.Class[Attribute]
}

func newInstance(vu modules.VU) *Instance { return &Instance{vu: vu, rt: vu.Runtime()} }

// Exports returns parseHTML, the Selection and Element classes and the
// NodeType enum, each made when the script first reads it.
func (h *Instance) Exports() modules.Exports { return modules.Exports{Table: exports.For(h)} }

var exports = modules.ExportTable[*Instance]{
	"parseHTML": func(h *Instance) any { return h.parseHTML },
	"Selection": func(h *Instance) any { h.classes(); return h.selCtor },
	"Element":   func(h *Instance) any { h.classes(); return h.elemCtor },
	"NodeType":  func(h *Instance) any { return h.nodeTypeEnum() },
}

// moduleResolver is what the engine's VUs offer besides modules.VU: the
// VU's instance of a built-in module, as the script imports it.
type moduleResolver interface {
	RequireBuiltin(name string) (*sobek.Object, error)
}

// For returns vu's k6/html instance: the one the script's imports of
// k6/html see, so that Selections made by other modules (k6/http's
// res.html()) are instances of its Selection class. When the VU cannot
// give its modules (a bare modules.VU), it returns a new instance.
func For(vu modules.VU) *Instance {
	if r, ok := vu.(moduleResolver); ok {
		if ns, err := r.RequireBuiltin("k6/html"); err == nil {
			if ctor, ok := ns.Get("Selection").(*sobek.Object); ok {
				if p, ok := ctor.Get("prototype").(*sobek.Object); ok {
					if holder, ok := p.Export().(*prototype); ok && holder.inst != nil {
						return holder.inst
					}
				}
			}
		}
	}
	return newInstance(vu)
}

// classes makes the Selection and Element constructors and their classes.
func (h *Instance) classes() {
	if h.selClass != nil {
		return
	}
	h.selCtor, h.selProto = h.constructor("Selection", "parseHTML(src) or res.html()", true)
	h.elemCtor, h.elemProto = h.constructor("Element", "Selection.get(index)", false)
	h.selClass = modules.NewClass(h.rt, &selectionSpec)
	h.selClass.SetPrototype(h.selProto)
}

// constructor makes a class that scripts cannot instantiate (the classes
// are abstract in @types/k6), whose prototype is a Go-backed object: it
// carries the instance for For, and takes the properties a script adds
// (Selection.prototype.myHelper = function () {...}).
func (h *Instance) constructor(name, how string, holdsInstance bool) (ctor, proto *sobek.Object) {
	rt := h.rt
	ctor = rt.ToValue(func(sobek.ConstructorCall) *sobek.Object {
		panic(rt.NewTypeError(name + " cannot be constructed: get one from " + how))
	}).ToObject(rt)
	_ = ctor.DefineDataProperty("name", rt.ToValue(name), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	p := &prototype{ctor: ctor}
	if holdsInstance {
		p.inst = h
	}
	proto = rt.NewDynamicObject(p)
	_ = ctor.DefineDataProperty("prototype", proto, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_FALSE)
	return ctor, proto
}

// prototype is a class's prototype object (a sobek.DynamicObject):
// `constructor` and whatever the script sets.
type prototype struct {
	inst  *Instance
	ctor  *sobek.Object
	extra modules.ScriptProps
}

func (p *prototype) Get(key string) sobek.Value {
	if v := p.extra.Get(key); v != nil {
		return v
	}
	if key == "constructor" {
		return p.ctor
	}
	return nil
}

func (p *prototype) Set(key string, val sobek.Value) bool {
	p.extra.Set(key, val)
	return true
}

func (p *prototype) Has(key string) bool { return p.extra.Has(key) || key == "constructor" }

func (p *prototype) Delete(key string) bool {
	p.extra.Delete(key)
	return true
}

func (p *prototype) Keys() []string { return p.extra.Keys() }

// nodeTypeEnum is NodeType as TypeScript compiles the enum @types/k6
// declares: names to numbers and numbers back to names.
func (h *Instance) nodeTypeEnum() *sobek.Object {
	o := h.rt.NewObject()
	for _, nt := range []struct {
		name string
		v    int
	}{{"ElementNode", 1}, {"TextNode", 3}, {"CommentNode", 8}, {"DocumentNode", 9}, {"DoctypeNode", 10}} {
		_ = o.Set(nt.name, nt.v)
		_ = o.Set(strconv.Itoa(nt.v), nt.name)
	}
	return o
}

var errNoSource = errors.New("parseHTML: the HTML source (first argument) is required")

// parseHTML implements parseHTML(src): the parsed document as a Selection.
// src is a string (or an ArrayBuffer or typed array of UTF-8).
func (h *Instance) parseHTML(call sobek.FunctionCall) sobek.Value {
	src := call.Argument(0)
	if modules.IsNullish(src) {
		panic(h.rt.NewTypeError(errNoSource.Error()))
	}
	var doc *goquery.Document
	var err error
	if b, ok := bytesOf(src); ok {
		doc, err = Parse(b)
	} else {
		doc, err = goquery.NewDocumentFromReader(strings.NewReader(src.String()))
	}
	if err != nil {
		panic(h.rt.NewGoError(err))
	}
	return h.Selection(doc.Selection, "")
}

// Parse parses an HTML document (UTF-8).
func Parse(b []byte) (*goquery.Document, error) {
	return goquery.NewDocumentFromReader(bytes.NewReader(b))
}

// Selection returns sel as a JS Selection. baseURL (the URL of the response
// the document came from, or "") resolves the relative URLs that elements'
// href(), src(), action()... return.
func (h *Instance) Selection(sel *goquery.Selection, baseURL string) sobek.Value {
	h.classes()
	return h.selClass.New(Selection{h: h, sel: sel, url: baseURL})
}

// UnwrapSelection returns the Go selection behind a JS Selection of h.
func (h *Instance) UnwrapSelection(v sobek.Value) (*goquery.Selection, bool) {
	if h.selClass == nil {
		return nil, false
	}
	s, ok := h.selClass.Unwrap(v)
	return s.sel, ok
}

func bytesOf(v sobek.Value) ([]byte, bool) {
	switch x := v.Export().(type) {
	case sobek.ArrayBuffer:
		return x.Bytes(), true
	case []byte:
		return x, true
	}
	return nil, false
}

// nodeSelection returns a new selection of nodes in the document of base.
func nodeSelection(base *goquery.Selection, nodes ...*gohtml.Node) *goquery.Selection {
	if base == nil {
		return &goquery.Selection{Nodes: nodes}
	}
	// Eq out of range is an empty selection of base's document with no
	// backing array (Slice(0, 0) would share base's: AddNodes would
	// overwrite base).
	return base.Eq(len(base.Nodes)).AddNodes(nodes...)
}
