package html

import (
	"encoding/json"
	"maps"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/grafana/sobek"
	gohtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/stampede-load/stampede/js/modules"
)

// Selection is the Go value behind a JS Selection: a set of nodes of one
// document, and the URL relative links in it resolve against.
type Selection struct {
	h   *Instance
	sel *goquery.Selection
	url string
}

type selMethod = func(Selection, sobek.FunctionCall) sobek.Value

// selectionSpec is the Selection API of @types/k6 (jQuery's, as k6 has it),
// with the arguments jQuery also accepts where k6 scripts may pass them.
var selectionSpec modules.ClassSpec[Selection]

// The specs are filled in init: their methods make Selections and Elements,
// whose classes refer to the specs.
func init() {
	kindDefs = elementKinds()
	selectionSpec = modules.ClassSpec[Selection]{Name: "Selection", Methods: selectionMethods()}
	elementSpecs = make([]*modules.ClassSpec[Element], len(kindDefs))
	base := baseMethods()
	for i, k := range kindDefs {
		m := maps.Clone(base)
		maps.Copy(m, k.methods)
		elementSpecs[i] = &modules.ClassSpec[Element]{Name: k.name, Methods: m}
	}
	kindByAtom = make(map[atom.Atom]int)
	for i, k := range kindDefs {
		for _, a := range k.tags {
			kindByAtom[a] = i
		}
	}
}

func selectionMethods() map[string]selMethod {
	return map[string]selMethod{
		"attr":     Selection.attr,
		"children": traversal((*goquery.Selection).Children, (*goquery.Selection).ChildrenFiltered),
		"closest": func(s Selection, c sobek.FunctionCall) sobek.Value {
			m := s.matcher(c.Argument(0))
			if m.other != nil {
				return s.wrap(s.sel.ClosestSelection(m.other))
			}
			return s.wrap(s.sel.Closest(m.selector))
		},
		"contents": func(s Selection, _ sobek.FunctionCall) sobek.Value { return s.wrap(s.sel.Contents()) },
		"data":     Selection.data,
		"each":     Selection.each,
		"eq": func(s Selection, c sobek.FunctionCall) sobek.Value {
			return s.wrap(s.sel.Eq(int(c.Argument(0).ToInteger())))
		},
		"filter": func(s Selection, c sobek.FunctionCall) sobek.Value { return s.wrap(s.winnow(c.Argument(0), true)) },
		"find": func(s Selection, c sobek.FunctionCall) sobek.Value {
			m := s.matcher(c.Argument(0))
			if m.other != nil {
				return s.wrap(s.sel.FindSelection(m.other))
			}
			return s.wrap(s.sel.Find(m.selector))
		},
		"first": func(s Selection, _ sobek.FunctionCall) sobek.Value { return s.wrap(s.sel.First()) },
		"get":   Selection.get,
		"has": func(s Selection, c sobek.FunctionCall) sobek.Value {
			m := s.matcher(c.Argument(0))
			if m.other != nil {
				return s.wrap(s.sel.HasSelection(m.other))
			}
			return s.wrap(s.sel.Has(m.selector))
		},
		"html": func(s Selection, _ sobek.FunctionCall) sobek.Value {
			if s.sel.Length() == 0 {
				return sobek.Undefined()
			}
			out, err := s.sel.Html()
			if err != nil {
				panic(s.h.rt.NewGoError(err))
			}
			return s.h.rt.ToValue(out)
		},
		"index": Selection.index,
		"is": func(s Selection, c sobek.FunctionCall) sobek.Value {
			m := s.matcher(c.Argument(0))
			switch {
			case m.other != nil:
				return s.h.rt.ToValue(s.sel.IsSelection(m.other))
			case m.fn != nil:
				return s.h.rt.ToValue(s.sel.IsFunction(s.tester(m.fn)))
			}
			return s.h.rt.ToValue(s.sel.Is(m.selector))
		},
		"last":         func(s Selection, _ sobek.FunctionCall) sobek.Value { return s.wrap(s.sel.Last()) },
		"map":          Selection.mapFn,
		"next":         traversal((*goquery.Selection).Next, (*goquery.Selection).NextFiltered),
		"nextAll":      traversal((*goquery.Selection).NextAll, (*goquery.Selection).NextAllFiltered),
		"nextUntil":    until((*goquery.Selection).NextAll, (*goquery.Selection).NextUntil, (*goquery.Selection).NextUntilSelection),
		"not":          func(s Selection, c sobek.FunctionCall) sobek.Value { return s.wrap(s.winnow(c.Argument(0), false)) },
		"parent":       traversal((*goquery.Selection).Parent, (*goquery.Selection).ParentFiltered),
		"parents":      traversal((*goquery.Selection).Parents, (*goquery.Selection).ParentsFiltered),
		"parentsUntil": until((*goquery.Selection).Parents, (*goquery.Selection).ParentsUntil, (*goquery.Selection).ParentsUntilSelection),
		"prev":         traversal((*goquery.Selection).Prev, (*goquery.Selection).PrevFiltered),
		"prevAll":      traversal((*goquery.Selection).PrevAll, (*goquery.Selection).PrevAllFiltered),
		"prevUntil":    until((*goquery.Selection).PrevAll, (*goquery.Selection).PrevUntil, (*goquery.Selection).PrevUntilSelection),
		"serialize": func(s Selection, _ sobek.FunctionCall) sobek.Value {
			return s.h.rt.ToValue(EncodeForm(FormFields(s.sel.Nodes)))
		},
		"serializeArray":  Selection.serializeArray,
		"serializeObject": Selection.serializeObject,
		"siblings":        traversal((*goquery.Selection).Siblings, (*goquery.Selection).SiblingsFiltered),
		"size":            func(s Selection, _ sobek.FunctionCall) sobek.Value { return s.h.rt.ToValue(s.sel.Length()) },
		"slice":           Selection.slice,
		"text":            func(s Selection, _ sobek.FunctionCall) sobek.Value { return s.h.rt.ToValue(s.sel.Text()) },
		"toArray":         Selection.toArray,
		"val": func(s Selection, _ sobek.FunctionCall) sobek.Value {
			if s.sel.Length() == 0 {
				return sobek.Undefined()
			}
			return s.h.formValue(s.sel.Nodes[0])
		},
	}
}

// wrap makes a JS Selection of gs with s's base URL.
func (s Selection) wrap(gs *goquery.Selection) sobek.Value {
	return s.h.selClass.New(Selection{h: s.h, sel: gs, url: s.url})
}

// traversal is a method taking an optional selector that filters its result.
func traversal(all func(*goquery.Selection) *goquery.Selection, filtered func(*goquery.Selection, string) *goquery.Selection) selMethod {
	return func(s Selection, c sobek.FunctionCall) sobek.Value {
		if sel := c.Argument(0); !modules.IsNullish(sel) {
			return s.wrap(filtered(s.sel, sel.String()))
		}
		return s.wrap(all(s.sel))
	}
}

// until is nextUntil, prevUntil and parentsUntil: (selector or Selection,
// optional filter selector). Without a stop, they go as far as they can.
func until(all func(*goquery.Selection) *goquery.Selection,
	bySelector func(*goquery.Selection, string) *goquery.Selection,
	bySelection func(*goquery.Selection, *goquery.Selection) *goquery.Selection,
) selMethod {
	return func(s Selection, c sobek.FunctionCall) sobek.Value {
		var out *goquery.Selection
		m := s.matcher(c.Argument(0))
		switch {
		case m.other != nil:
			out = bySelection(s.sel, m.other)
		case m.selector != "":
			out = bySelector(s.sel, m.selector)
		default:
			out = all(s.sel)
		}
		if f := c.Argument(1); !modules.IsNullish(f) {
			out = out.Filter(f.String())
		}
		return s.wrap(out)
	}
}

// matcherArg is an argument jQuery takes as a selector, a function or a
// set of elements (a Selection or an Element).
type matcherArg struct {
	selector string
	fn       sobek.Callable
	other    *goquery.Selection
}

func (s Selection) matcher(v sobek.Value) matcherArg {
	if modules.IsNullish(v) {
		return matcherArg{}
	}
	if o, ok := v.(*sobek.Object); ok {
		if gs, ok := s.h.UnwrapSelection(o); ok {
			return matcherArg{other: gs}
		}
		if e, ok := s.h.unwrapElement(o); ok {
			return matcherArg{other: nodeSelection(s.sel, e.n)}
		}
		if fn, ok := sobek.AssertFunction(o); ok {
			return matcherArg{fn: fn}
		}
	}
	return matcherArg{selector: v.String()}
}

// tester calls a script's (index, Selection) predicate.
func (s Selection) tester(fn sobek.Callable) func(int, *goquery.Selection) bool {
	return func(i int, gs *goquery.Selection) bool {
		sv := s.wrap(gs)
		r, err := fn(sv, s.h.rt.ToValue(i), sv)
		if err != nil {
			panic(err)
		}
		return r.ToBoolean()
	}
}

// winnow is filter (keep) and not.
func (s Selection) winnow(arg sobek.Value, keep bool) *goquery.Selection {
	m := s.matcher(arg)
	switch {
	case m.other != nil && keep:
		return s.sel.FilterSelection(m.other)
	case m.other != nil:
		return s.sel.NotSelection(m.other)
	case m.fn != nil && keep:
		return s.sel.FilterFunction(s.tester(m.fn))
	case m.fn != nil:
		return s.sel.NotFunction(s.tester(m.fn))
	case keep:
		return s.sel.Filter(m.selector)
	}
	return s.sel.Not(m.selector)
}

// attr(name[, default]): the first element's attribute, else default
// (undefined when not given).
func (s Selection) attr(c sobek.FunctionCall) sobek.Value {
	if s.sel.Length() > 0 {
		if v, ok := attr(s.sel.Nodes[0], c.Argument(0).String()); ok {
			return s.h.rt.ToValue(v)
		}
	}
	if len(c.Arguments) > 1 {
		return c.Argument(1)
	}
	return sobek.Undefined()
}

// each(fn(index, element)) calls fn for each element with the element as
// this; fn returning false stops the loop, as in jQuery.
func (s Selection) each(c sobek.FunctionCall) sobek.Value {
	fn, ok := sobek.AssertFunction(c.Argument(0))
	if !ok {
		panic(s.h.rt.NewTypeError("Selection.each: the argument must be a function(index, element)"))
	}
	for i, n := range s.sel.Nodes {
		el := s.h.element(n, s.sel, s.url)
		r, err := fn(el, s.h.rt.ToValue(i), el)
		if err != nil {
			panic(err)
		}
		if b, ok := r.Export().(bool); ok && !b {
			break
		}
	}
	return sobek.Undefined()
}

// map(fn(index, selection)) returns the array of fn's results.
func (s Selection) mapFn(c sobek.FunctionCall) sobek.Value {
	fn, ok := sobek.AssertFunction(c.Argument(0))
	if !ok {
		panic(s.h.rt.NewTypeError("Selection.map: the argument must be a function(index, selection)"))
	}
	out := make([]any, 0, len(s.sel.Nodes))
	for i, n := range s.sel.Nodes {
		sv := s.wrap(nodeSelection(s.sel, n))
		r, err := fn(sv, s.h.rt.ToValue(i), sv)
		if err != nil {
			panic(err)
		}
		out = append(out, r)
	}
	return s.h.rt.NewArray(out...)
}

// get(index): the Element at index (negative counts from the end), or
// undefined. A missing index is 0.
func (s Selection) get(c sobek.FunctionCall) sobek.Value {
	i := int(c.Argument(0).ToInteger())
	n := len(s.sel.Nodes)
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return sobek.Undefined()
	}
	return s.h.element(s.sel.Nodes[i], s.sel, s.url)
}

// index(): the first element's position among its sibling elements;
// index(selector): its position among the elements selector matches in
// the document; index(Selection or Element): that element's position in
// this selection. -1 when not found.
func (s Selection) index(c sobek.FunctionCall) sobek.Value {
	arg := c.Argument(0)
	if modules.IsNullish(arg) {
		return s.h.rt.ToValue(s.sel.Index())
	}
	m := s.matcher(arg)
	if m.other != nil {
		return s.h.rt.ToValue(s.sel.IndexOfSelection(m.other))
	}
	if len(s.sel.Nodes) == 0 {
		return s.h.rt.ToValue(-1)
	}
	root := s.sel.Nodes[0]
	for root.Parent != nil {
		root = root.Parent
	}
	all := nodeSelection(s.sel, root).Find(m.selector)
	return s.h.rt.ToValue(all.IndexOfNode(s.sel.Nodes[0]))
}

// slice(start[, end]) with negative indexes counting from the end.
func (s Selection) slice(c sobek.FunctionCall) sobek.Value {
	n := len(s.sel.Nodes)
	start := clampIndex(int(c.Argument(0).ToInteger()), n)
	end := n
	if e := c.Argument(1); !sobek.IsUndefined(e) {
		end = clampIndex(int(e.ToInteger()), n)
	}
	if end < start {
		end = start
	}
	return s.wrap(s.sel.Slice(start, end))
}

func clampIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return max(0, min(i, n))
}

// toArray returns a one-element Selection per element.
func (s Selection) toArray(sobek.FunctionCall) sobek.Value {
	out := make([]any, len(s.sel.Nodes))
	for i, n := range s.sel.Nodes {
		out[i] = s.wrap(nodeSelection(s.sel, n))
	}
	return s.h.rt.NewArray(out...)
}

func (s Selection) serializeArray(sobek.FunctionCall) sobek.Value {
	rt := s.h.rt
	fields := FormFields(s.sel.Nodes)
	out := make([]any, len(fields))
	for i, f := range fields {
		o := rt.NewObject()
		_ = o.Set("name", f.Name)
		_ = o.Set("value", f.Value)
		out[i] = o
	}
	return rt.NewArray(out...)
}

// serializeObject maps each field's name to its value; of fields sharing a
// name (checkboxes, a multiple select), the last wins.
func (s Selection) serializeObject(sobek.FunctionCall) sobek.Value {
	o := s.h.rt.NewObject()
	for _, f := range FormFields(s.sel.Nodes) {
		_ = o.Set(f.Name, f.Value)
	}
	return o
}

// data([key]): the first element's data-* attributes as jQuery reads
// them: data() is an object keyed by camelCased names, data(key) takes
// "fooBar" or "foo-bar". Values "true", "false", "null", numbers and JSON
// objects and arrays are converted.
func (s Selection) data(c sobek.FunctionCall) sobek.Value {
	if s.sel.Length() == 0 {
		return sobek.Undefined()
	}
	n := s.sel.Nodes[0]
	if key := c.Argument(0); !modules.IsNullish(key) {
		v, ok := attr(n, "data-"+hyphenate(camelCase(key.String())))
		if !ok {
			return sobek.Undefined()
		}
		return s.h.dataValue(v)
	}
	o := s.h.rt.NewObject()
	for _, a := range n.Attr {
		if name, ok := strings.CutPrefix(a.Key, "data-"); ok && a.Namespace == "" {
			_ = o.Set(camelCase(name), s.h.dataValue(a.Val))
		}
	}
	return o
}

var jsonLike = regexp.MustCompile(`^(?:\{[\w\W]*\}|\[[\w\W]*\])$`)

func (h *Instance) dataValue(v string) sobek.Value {
	rt := h.rt
	switch v {
	case "true":
		return rt.ToValue(true)
	case "false":
		return rt.ToValue(false)
	case "null":
		return sobek.Null()
	}
	if num := rt.ToValue(v).ToNumber(); num.String() == v {
		return num
	}
	if jsonLike.MatchString(v) && json.Valid([]byte(v)) {
		parse, ok := sobek.AssertFunction(rt.Get("JSON").ToObject(rt).Get("parse"))
		if ok {
			if out, err := parse(sobek.Undefined(), rt.ToValue(v)); err == nil {
				return out
			}
		}
	}
	return rt.ToValue(v)
}

// camelCase is jQuery's: "foo-bar" becomes "fooBar".
func camelCase(s string) string {
	if !strings.Contains(s, "-") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '-' && i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z' {
			b.WriteByte(s[i+1] - 'a' + 'A')
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// hyphenate is camelCase's inverse: "fooBar" becomes "foo-bar".
func hyphenate(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b.WriteByte('-')
			b.WriteByte(c - 'A' + 'a')
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// attr returns an attribute of an element; names are case-insensitive on
// HTML elements.
func attr(n *gohtml.Node, name string) (string, bool) {
	a, ok := attrNode(n, name)
	return a.Val, ok
}

func hasAttr(n *gohtml.Node, name string) bool {
	_, ok := attr(n, name)
	return ok
}
