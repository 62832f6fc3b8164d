package html

import (
	"strconv"
	"strings"

	"github.com/grafana/sobek"
	gohtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Field is one name=value pair of a form's data set.
type Field struct {
	Name, Value string
}

// FormFields is jQuery's serializeArray over nodes: the fields of forms
// (their controls) and of the controls among nodes themselves, in order.
// A control counts when it has a name, is not disabled (itself or by a
// fieldset), is an input, select, textarea or keygen, is not a button,
// image, reset, submit or file input, and, for checkboxes and radios, is
// checked. A multiple select gives a field per selected option. Line
// breaks in values become CRLF.
func FormFields(nodes []*gohtml.Node) []Field {
	var out []Field
	add := func(n *gohtml.Node) {
		name, _ := attr(n, "name")
		if name == "" || isDisabled(n) {
			return
		}
		switch n.DataAtom {
		case atom.Input:
			switch t := inputType(n); t {
			case "submit", "button", "image", "reset", "file":
				return
			case "checkbox", "radio":
				if !hasAttr(n, "checked") {
					return
				}
			}
		case atom.Select, atom.Textarea, atom.Keygen:
		default:
			return
		}
		for _, v := range controlValues(n) {
			out = append(out, Field{Name: name, Value: crlf(v)})
		}
	}
	for _, n := range nodes {
		if n.Type != gohtml.ElementNode {
			continue
		}
		if n.DataAtom == atom.Form {
			for _, c := range formElements(n, true) {
				add(c)
			}
			continue
		}
		add(n)
	}
	return out
}

// ControlValue is a control's value as Selection.val() gives it (the
// first value of a multiple select); ok is false for elements that have
// none.
func ControlValue(n *gohtml.Node) (string, bool) {
	if n == nil || n.Type != gohtml.ElementNode {
		return "", false
	}
	switch n.DataAtom {
	case atom.Input, atom.Select, atom.Textarea, atom.Option, atom.Button:
		vs := controlValues(n)
		if len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	return attr(n, "value")
}

// controlValues returns the values a control submits (several for a
// multiple select).
func controlValues(n *gohtml.Node) []string {
	switch n.DataAtom {
	case atom.Input:
		if v, ok := attr(n, "value"); ok {
			return []string{v}
		}
		if t := inputType(n); t == "checkbox" || t == "radio" {
			return []string{"on"}
		}
		return []string{""}
	case atom.Select:
		opts := selectedOptions(n)
		vs := make([]string, len(opts))
		for i, o := range opts {
			vs[i] = optionValue(o)
		}
		return vs
	case atom.Textarea:
		return []string{textContent(n)}
	case atom.Option:
		return []string{optionValue(n)}
	case atom.Keygen:
		return nil
	}
	v, _ := attr(n, "value")
	return []string{v}
}

// formValue is Selection.val() of n: a string, an array for a multiple
// select, undefined for an element without a value.
func (h *Instance) formValue(n *gohtml.Node) sobek.Value {
	if n.Type != gohtml.ElementNode {
		return sobek.Undefined()
	}
	if n.DataAtom == atom.Select {
		vs := controlValues(n)
		if hasAttr(n, "multiple") {
			out := make([]any, len(vs))
			for i, v := range vs {
				out[i] = v
			}
			return h.rt.NewArray(out...)
		}
		if len(vs) == 0 {
			return sobek.Undefined()
		}
		return h.rt.ToValue(vs[0])
	}
	if v, ok := ControlValue(n); ok {
		return h.rt.ToValue(v)
	}
	return sobek.Undefined()
}

func crlf(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// EncodeForm encodes fields as jQuery.param does: encodeURIComponent'd
// names and values, spaces as "+", joined with "&", in order.
func EncodeForm(fields []Field) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('&')
		}
		encodeComponent(&b, f.Name)
		b.WriteByte('=')
		encodeComponent(&b, f.Value)
	}
	return b.String()
}

func encodeComponent(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			strings.IndexByte("-_.!~*'()", c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}

// inputType is an input's type, lower case, "text" when absent.
func inputType(n *gohtml.Node) string {
	t, ok := attr(n, "type")
	if !ok || t == "" {
		return "text"
	}
	return strings.ToLower(t)
}

// isDisabled: the disabled attribute on the control (or an option's
// optgroup), or a disabled fieldset ancestor unless the control is in
// that fieldset's first legend.
func isDisabled(n *gohtml.Node) bool {
	if hasAttr(n, "disabled") {
		return true
	}
	if n.DataAtom == atom.Option && n.Parent != nil && n.Parent.DataAtom == atom.Optgroup && hasAttr(n.Parent, "disabled") {
		return true
	}
	child := n
	for p := n.Parent; p != nil; child, p = p, p.Parent {
		if p.DataAtom == atom.Fieldset && hasAttr(p, "disabled") {
			if child.DataAtom == atom.Legend && firstChildElement(p, atom.Legend) == child {
				continue
			}
			return true
		}
	}
	return false
}

func firstChildElement(n *gohtml.Node, a atom.Atom) *gohtml.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == gohtml.ElementNode && c.DataAtom == a {
			return c
		}
	}
	return nil
}

// listed are the form-associated elements a form's elements collection
// lists (keygen too, which jQuery serializes).
func listed(n *gohtml.Node) bool {
	switch n.DataAtom {
	case atom.Button, atom.Fieldset, atom.Input, atom.Keygen, atom.Object, atom.Output, atom.Select, atom.Textarea:
		return true
	}
	return false
}

// formOwner is the form a control belongs to: the form its form attribute
// names, else its nearest form ancestor.
func formOwner(n *gohtml.Node) *gohtml.Node {
	if id, ok := attr(n, "form"); ok {
		f := byID(root(n), id)
		if f != nil && f.DataAtom == atom.Form {
			return f
		}
		return nil
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == gohtml.ElementNode && p.DataAtom == atom.Form {
			return p
		}
	}
	return nil
}

// formElements lists the controls of form, in tree order (image inputs
// are left out, as form.elements does, unless withImages).
func formElements(form *gohtml.Node, withImages bool) []*gohtml.Node {
	var out []*gohtml.Node
	walk(root(form), func(n *gohtml.Node) {
		if n.Type == gohtml.ElementNode && listed(n) && formOwner(n) == form {
			if n.DataAtom == atom.Input && !withImages && inputType(n) == "image" {
				return
			}
			out = append(out, n)
		}
	})
	return out
}

// labelsOf lists the labels of a labelable element: those whose for
// attribute is its id, and its label ancestors, in tree order.
func labelsOf(n *gohtml.Node) []*gohtml.Node {
	var out []*gohtml.Node
	walk(root(n), func(l *gohtml.Node) {
		if l.Type == gohtml.ElementNode && l.DataAtom == atom.Label && labelControl(l) == n {
			out = append(out, l)
		}
	})
	return out
}

func labelable(n *gohtml.Node) bool {
	switch n.DataAtom {
	case atom.Button, atom.Meter, atom.Output, atom.Progress, atom.Select, atom.Textarea, atom.Keygen:
		return true
	case atom.Input:
		return inputType(n) != "hidden"
	}
	return false
}

// labelControl is a label's control: the element its for attribute
// names (when labelable), else its first labelable descendant.
func labelControl(l *gohtml.Node) *gohtml.Node {
	if id, ok := attr(l, "for"); ok {
		if c := byID(root(l), id); c != nil && labelable(c) {
			return c
		}
		return nil
	}
	var found *gohtml.Node
	walkUntil(l, func(n *gohtml.Node) bool {
		if n != l && n.Type == gohtml.ElementNode && labelable(n) {
			found = n
			return true
		}
		return false
	})
	return found
}

// selectOptions lists a select's options (in optgroups too).
func selectOptions(sel *gohtml.Node) []*gohtml.Node {
	var out []*gohtml.Node
	for c := sel.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type != gohtml.ElementNode:
		case c.DataAtom == atom.Option:
			out = append(out, c)
		case c.DataAtom == atom.Optgroup:
			for o := c.FirstChild; o != nil; o = o.NextSibling {
				if o.Type == gohtml.ElementNode && o.DataAtom == atom.Option {
					out = append(out, o)
				}
			}
		}
	}
	return out
}

// selectedOptions are the options a browser shows selected: those with the
// selected attribute in a multiple select; in a single one, the last of
// them, else (in a drop-down) the first option that is not disabled.
func selectedOptions(sel *gohtml.Node) []*gohtml.Node {
	opts := selectOptions(sel)
	if hasAttr(sel, "multiple") {
		var out []*gohtml.Node
		for _, o := range opts {
			if hasAttr(o, "selected") {
				out = append(out, o)
			}
		}
		return out
	}
	for i := len(opts) - 1; i >= 0; i-- {
		if hasAttr(opts[i], "selected") {
			return opts[i : i+1]
		}
	}
	if size, ok := attr(sel, "size"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(size)); err == nil && n > 1 {
			return nil
		}
	}
	for i, o := range opts {
		if !isDisabled(o) {
			return opts[i : i+1]
		}
	}
	return nil
}

func selectOf(o *gohtml.Node) *gohtml.Node {
	p := o.Parent
	if p != nil && p.DataAtom == atom.Optgroup {
		p = p.Parent
	}
	if p != nil && p.DataAtom == atom.Select {
		return p
	}
	return nil
}

// optionValue is the value attribute, else the option's text.
func optionValue(o *gohtml.Node) string {
	if v, ok := attr(o, "value"); ok {
		return v
	}
	return optionText(o)
}

// optionText is the option's text with white space stripped and collapsed.
func optionText(o *gohtml.Node) string { return collapse(textContent(o)) }

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// textContent concatenates the text nodes under n.
func textContent(n *gohtml.Node) string {
	if n.Type == gohtml.TextNode || n.Type == gohtml.CommentNode {
		return n.Data
	}
	var b strings.Builder
	walk(n, func(c *gohtml.Node) {
		if c.Type == gohtml.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

// walk visits n and its descendants in tree order.
func walk(n *gohtml.Node, f func(*gohtml.Node)) {
	walkUntil(n, func(c *gohtml.Node) bool { f(c); return false })
}

// walkUntil is walk stopping when f returns true; it reports whether it did.
func walkUntil(n *gohtml.Node, f func(*gohtml.Node) bool) bool {
	if f(n) {
		return true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if walkUntil(c, f) {
			return true
		}
	}
	return false
}

func root(n *gohtml.Node) *gohtml.Node {
	for n.Parent != nil {
		n = n.Parent
	}
	return n
}

// byID is the first element of the tree under r whose id is id.
func byID(r *gohtml.Node, id string) *gohtml.Node {
	var found *gohtml.Node
	walkUntil(r, func(n *gohtml.Node) bool {
		if n.Type == gohtml.ElementNode {
			if v, ok := attr(n, "id"); ok && v == id {
				found = n
				return true
			}
		}
		return false
	})
	return found
}
