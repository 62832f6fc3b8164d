package html

import (
	"bytes"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/grafana/sobek"
	gohtml "golang.org/x/net/html"

	"github.com/stampede-load/stampede/js/modules"
)

// Element is the Go value behind a JS Element: a node, a selection of its
// document (to make Selections in it) and the base URL of its Selection.
type Element struct {
	h    *Instance
	n    *gohtml.Node
	base *goquery.Selection
	url  string
}

type elemMethod = func(Element, sobek.FunctionCall) sobek.Value

type methods = map[string]elemMethod

// element returns n as a JS Element of the class of its tag (undefined
// for nil).
func (h *Instance) element(n *gohtml.Node, base *goquery.Selection, url string) sobek.Value {
	if n == nil {
		return sobek.Undefined()
	}
	return h.elemClass(kindOf(n)).New(Element{h: h, n: n, base: base, url: url})
}

// elements returns nodes as an array of Elements.
func (h *Instance) elements(nodes []*gohtml.Node, base *goquery.Selection, url string) sobek.Value {
	out := make([]any, len(nodes))
	for i, n := range nodes {
		out[i] = h.element(n, base, url)
	}
	return h.rt.NewArray(out...)
}

func (h *Instance) elemClass(kind int) *modules.Class[Element] {
	h.classes()
	if h.elemClasses == nil {
		h.elemClasses = make([]*modules.Class[Element], len(kindDefs))
	}
	c := h.elemClasses[kind]
	if c == nil {
		c = modules.NewClass(h.rt, elementSpecs[kind])
		c.SetPrototype(h.elemProto)
		h.elemClasses[kind] = c
	}
	return c
}

func (h *Instance) unwrapElement(v sobek.Value) (Element, bool) {
	for _, c := range h.elemClasses {
		if c != nil {
			if e, ok := c.Unwrap(v); ok {
				return e, true
			}
		}
	}
	return Element{}, false
}

// el returns a node of e's document as an Element.
func (e Element) el(n *gohtml.Node) sobek.Value { return e.h.element(n, e.base, e.url) }

func (e Element) els(nodes []*gohtml.Node) sobek.Value { return e.h.elements(nodes, e.base, e.url) }

func (e Element) str(s string) sobek.Value { return e.h.rt.ToValue(s) }

// arg returns the Element passed as argument i, if it is one.
func (e Element) arg(c sobek.FunctionCall, i int) (Element, bool) {
	return e.h.unwrapElement(c.Argument(i))
}

// elementSpecs are the classes of elements, by kind: baseMethods plus
// the kind's own (made in init).
var elementSpecs []*modules.ClassSpec[Element]

// baseMethods are every node's: the Element API of @types/k6 (DOM-like,
// as methods).
func baseMethods() methods {
	return methods{
		"nodeName": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(nodeName(e.n)) },
		"nodeType": func(e Element, _ sobek.FunctionCall) sobek.Value {
			if t, ok := nodeTypes[e.n.Type]; ok {
				return e.h.rt.ToValue(t)
			}
			return sobek.Undefined()
		},
		"nodeValue": func(e Element, _ sobek.FunctionCall) sobek.Value {
			if e.n.Type == gohtml.TextNode || e.n.Type == gohtml.CommentNode {
				return e.str(e.n.Data)
			}
			return sobek.Undefined()
		},
		"id": func(e Element, _ sobek.FunctionCall) sobek.Value { v, _ := attr(e.n, "id"); return e.str(v) },
		"innerHTML": func(e Element, _ sobek.FunctionCall) sobek.Value {
			if e.n.Type != gohtml.ElementNode && e.n.Type != gohtml.DocumentNode {
				return sobek.Undefined()
			}
			return e.str(innerHTML(e.n))
		},
		"textContent": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(textContent(e.n)) },
		"ownerDocument": func(e Element, _ sobek.FunctionCall) sobek.Value {
			if r := root(e.n); r != e.n && r.Type == gohtml.DocumentNode {
				return e.el(r)
			}
			return sobek.Undefined()
		},
		"attributes": func(e Element, _ sobek.FunctionCall) sobek.Value {
			o := e.h.rt.NewObject()
			for _, a := range e.n.Attr {
				_ = o.Set(attrName(a), e.h.attribute(e, a))
			}
			return o
		},
		"firstChild":             func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(e.n.FirstChild) },
		"lastChild":              func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(e.n.LastChild) },
		"firstElementChild":      func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(nextElement(e.n.FirstChild)) },
		"lastElementChild":       func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(prevElement(e.n.LastChild)) },
		"previousSibling":        func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(e.n.PrevSibling) },
		"nextSibling":            func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(e.n.NextSibling) },
		"previousElementSibling": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(prevElement(e.n.PrevSibling)) },
		"nextElementSibling":     func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(nextElement(e.n.NextSibling)) },
		"parentNode":             func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(e.n.Parent) },
		"parentElement": func(e Element, _ sobek.FunctionCall) sobek.Value {
			if p := e.n.Parent; p != nil && p.Type == gohtml.ElementNode {
				return e.el(p)
			}
			return sobek.Undefined()
		},
		"childElementCount": func(e Element, _ sobek.FunctionCall) sobek.Value {
			return e.h.rt.ToValue(len(childElements(e.n)))
		},
		"childNodes": func(e Element, _ sobek.FunctionCall) sobek.Value {
			var nodes []*gohtml.Node
			for c := e.n.FirstChild; c != nil; c = c.NextSibling {
				nodes = append(nodes, c)
			}
			return e.els(nodes)
		},
		"children":  func(e Element, _ sobek.FunctionCall) sobek.Value { return e.els(childElements(e.n)) },
		"classList": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.h.strings(classes(e.n)) },
		"className": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.optAttr("class") },
		"lang":      func(e Element, _ sobek.FunctionCall) sobek.Value { return e.optAttr("lang") },
		"toString": func(e Element, _ sobek.FunctionCall) sobek.Value {
			if e.n.Type == gohtml.ElementNode {
				return e.str("[object html.Node]")
			}
			return e.str("[object " + nodeName(e.n) + "]")
		},
		"hasAttribute": func(e Element, c sobek.FunctionCall) sobek.Value {
			return e.h.rt.ToValue(hasAttr(e.n, c.Argument(0).String()))
		},
		"getAttribute": func(e Element, c sobek.FunctionCall) sobek.Value { return e.optAttr(c.Argument(0).String()) },
		"getAttributeNode": func(e Element, c sobek.FunctionCall) sobek.Value {
			if a, ok := attrNode(e.n, c.Argument(0).String()); ok {
				return e.h.attribute(e, a)
			}
			return sobek.Undefined()
		},
		"hasAttributes": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.h.rt.ToValue(len(e.n.Attr) > 0) },
		"hasChildNodes": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.h.rt.ToValue(e.n.FirstChild != nil) },
		"isSameNode": func(e Element, c sobek.FunctionCall) sobek.Value {
			o, ok := e.arg(c, 0)
			return e.h.rt.ToValue(ok && o.n == e.n)
		},
		"isEqualNode": func(e Element, c sobek.FunctionCall) sobek.Value {
			o, ok := e.arg(c, 0)
			return e.h.rt.ToValue(ok && (o.n == e.n || outerHTML(o.n) == outerHTML(e.n)))
		},
		"contains": func(e Element, c sobek.FunctionCall) sobek.Value {
			o, ok := e.arg(c, 0)
			if !ok {
				return e.h.rt.ToValue(false)
			}
			for n := o.n; n != nil; n = n.Parent {
				if n == e.n {
					return e.h.rt.ToValue(true)
				}
			}
			return e.h.rt.ToValue(false)
		},
		"matches": func(e Element, c sobek.FunctionCall) sobek.Value {
			return e.h.rt.ToValue(nodeSelection(e.base, e.n).Is(c.Argument(0).String()))
		},
		"querySelector": func(e Element, c sobek.FunctionCall) sobek.Value {
			found := nodeSelection(e.base, e.n).Find(c.Argument(0).String())
			if found.Length() == 0 {
				return sobek.Undefined()
			}
			return e.el(found.Nodes[0])
		},
		"querySelectorAll": func(e Element, c sobek.FunctionCall) sobek.Value {
			return e.els(nodeSelection(e.base, e.n).Find(c.Argument(0).String()).Nodes)
		},
		"getElementsByTagName": func(e Element, c sobek.FunctionCall) sobek.Value {
			name := c.Argument(0).String()
			lower := strings.ToLower(name)
			return e.els(descendants(e.n, func(n *gohtml.Node) bool {
				return name == "*" || n.Data == name || n.Namespace == "" && n.Data == lower
			}))
		},
		"getElementsByClassName": func(e Element, c sobek.FunctionCall) sobek.Value {
			want := strings.Fields(c.Argument(0).String())
			if len(want) == 0 {
				return e.els(nil)
			}
			return e.els(descendants(e.n, func(n *gohtml.Node) bool {
				have := classes(n)
				for _, w := range want {
					found := false
					for _, h := range have {
						found = found || h == w
					}
					if !found {
						return false
					}
				}
				return true
			}))
		},
		"namespaceURI": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(namespaceURI(e.n.Namespace)) },
		"isDefaultNamespace": func(e Element, _ sobek.FunctionCall) sobek.Value {
			return e.h.rt.ToValue(e.n.Type == gohtml.ElementNode && e.n.Namespace == "")
		},
		// selection() is the one-element Selection of the element (k6's
		// documentation lists it).
		"selection": func(e Element, _ sobek.FunctionCall) sobek.Value {
			return Selection{h: e.h, url: e.url}.wrap(nodeSelection(e.base, e.n))
		},
	}
}

// optAttr returns an attribute or undefined.
func (e Element) optAttr(name string) sobek.Value {
	if v, ok := attr(e.n, name); ok {
		return e.str(v)
	}
	return sobek.Undefined()
}

// nodeTypes maps net/html's node types to the DOM's numbers (NodeType).
var nodeTypes = map[gohtml.NodeType]int{
	gohtml.ElementNode:  1,
	gohtml.TextNode:     3,
	gohtml.CommentNode:  8,
	gohtml.DocumentNode: 9,
	gohtml.DoctypeNode:  10,
}

// nodeName is goquery's (and so k6's): the lower-case tag name of an
// element, the doctype's name, or #text, #comment, #document.
func nodeName(n *gohtml.Node) string { return goquery.NodeName(nodeSelection(nil, n)) }

func namespaceURI(ns string) string {
	switch ns {
	case "":
		return "http://www.w3.org/1999/xhtml"
	case "svg":
		return "http://www.w3.org/2000/svg"
	case "math":
		return "http://www.w3.org/1998/Math/MathML"
	case "xlink":
		return "http://www.w3.org/1999/xlink"
	case "xml":
		return "http://www.w3.org/XML/1998/namespace"
	case "xmlns":
		return "http://www.w3.org/2000/xmlns/"
	}
	return ns
}

func innerHTML(n *gohtml.Node) string {
	var b bytes.Buffer
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		_ = gohtml.Render(&b, c)
	}
	return b.String()
}

func outerHTML(n *gohtml.Node) string {
	var b bytes.Buffer
	_ = gohtml.Render(&b, n)
	return b.String()
}

func nextElement(n *gohtml.Node) *gohtml.Node {
	for ; n != nil; n = n.NextSibling {
		if n.Type == gohtml.ElementNode {
			return n
		}
	}
	return nil
}

func prevElement(n *gohtml.Node) *gohtml.Node {
	for ; n != nil; n = n.PrevSibling {
		if n.Type == gohtml.ElementNode {
			return n
		}
	}
	return nil
}

func childElements(n *gohtml.Node) []*gohtml.Node {
	var out []*gohtml.Node
	for c := nextElement(n.FirstChild); c != nil; c = nextElement(c.NextSibling) {
		out = append(out, c)
	}
	return out
}

// descendants lists the elements under n (not n) that keep accepts.
func descendants(n *gohtml.Node, keep func(*gohtml.Node) bool) []*gohtml.Node {
	var out []*gohtml.Node
	walk(n, func(c *gohtml.Node) {
		if c != n && c.Type == gohtml.ElementNode && keep(c) {
			out = append(out, c)
		}
	})
	return out
}

func classes(n *gohtml.Node) []string {
	v, _ := attr(n, "class")
	return strings.Fields(v)
}

func (h *Instance) strings(ss []string) sobek.Value {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return h.rt.NewArray(out...)
}

// Attribute is the Go value behind a JS Attribute.
type Attribute struct {
	owner Element
	a     gohtml.Attribute
}

var attributeSpec = modules.ClassSpec[Attribute]{
	Name:  "Attribute",
	Props: []string{"name", "value", "ownerElement"},
	Prop: func(a Attribute, name string) sobek.Value {
		switch name {
		case "name":
			return a.owner.str(attrName(a.a))
		case "value":
			return a.owner.str(a.a.Val)
		}
		return a.owner.el(a.owner.n)
	},
	Methods: map[string]func(Attribute, sobek.FunctionCall) sobek.Value{
		"localName":    func(a Attribute, _ sobek.FunctionCall) sobek.Value { return a.owner.str(a.a.Key) },
		"prefix":       func(a Attribute, _ sobek.FunctionCall) sobek.Value { return a.owner.str(a.a.Namespace) },
		"namespaceURI": func(a Attribute, _ sobek.FunctionCall) sobek.Value { return a.owner.str(attrNamespaceURI(a.a)) },
	},
}

func (h *Instance) attribute(owner Element, a gohtml.Attribute) sobek.Value {
	if h.attrClass == nil {
		h.attrClass = modules.NewClass(h.rt, &attributeSpec)
	}
	return h.attrClass.New(Attribute{owner: owner, a: a})
}

// attrName is an attribute's qualified name ("xlink:href").
func attrName(a gohtml.Attribute) string {
	if a.Namespace != "" {
		return a.Namespace + ":" + a.Key
	}
	return a.Key
}

func attrNamespaceURI(a gohtml.Attribute) string {
	if a.Namespace == "" {
		return ""
	}
	return namespaceURI(a.Namespace)
}

func attrNode(n *gohtml.Node, name string) (gohtml.Attribute, bool) {
	if n == nil || n.Type != gohtml.ElementNode {
		return gohtml.Attribute{}, false
	}
	if n.Namespace == "" {
		name = strings.ToLower(name)
	}
	for _, a := range n.Attr {
		if attrName(a) == name {
			return a, true
		}
	}
	return gohtml.Attribute{}, false
}
