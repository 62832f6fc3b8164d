package html

import (
	"maps"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/grafana/sobek"
	gohtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// kindDef is an element class of @types/k6 (AnchorElement, FormElement,
// ...): the tags it covers and its methods besides baseMethods. The
// methods @types/k6 declares come first in each list; the others reflect
// the element's attributes as the DOM does (href(), src(), value(),
// checked(), ...).
type kindDef struct {
	name    string
	tags    []atom.Atom
	methods methods
}

// kindDefs lists the classes; kind 0 is the plain Element.
var kindDefs []kindDef

func elementKinds() []kindDef {
	return []kindDef{
		{name: "Element"},
		{"AnchorElement", []atom.Atom{atom.A}, merge(hrefMethods, methods{
			"target": strAttr("target"), "download": strAttr("download"), "hreflang": strAttr("hreflang"),
			"type": strAttr("type"), "referrerPolicy": strAttr("referrerpolicy"),
		})},
		{"AreaElement", []atom.Atom{atom.Area}, merge(hrefMethods, methods{
			"target": strAttr("target"), "download": strAttr("download"), "alt": strAttr("alt"),
			"coords": strAttr("coords"), "shape": strAttr("shape"), "referrerPolicy": strAttr("referrerpolicy"),
		})},
		{"AudioElement", []atom.Atom{atom.Audio}, mediaMethods},
		{"BaseElement", []atom.Atom{atom.Base}, methods{"href": urlAttr("href"), "target": strAttr("target")}},
		{"ButtonElement", []atom.Atom{atom.Button}, merge(formFieldMethods, methods{
			// value is the value attribute, else the button's markup (as k6).
			"value": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if v, ok := attr(e.n, "value"); ok {
					return e.str(v)
				}
				return e.str(innerHTML(e.n))
			},
			"type":      enumAttr("type", "submit", "submit", "reset", "button"),
			"disabled":  boolAttr("disabled"),
			"autofocus": boolAttr("autofocus"),
		})},
		{"CanvasElement", []atom.Atom{atom.Canvas}, methods{"height": intAttr("height", 150), "width": intAttr("width", 300)}},
		{"DataElement", []atom.Atom{atom.Data}, methods{"value": strAttr("value")}},
		{"DataListElement", []atom.Atom{atom.Datalist}, methods{
			"options": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.els(descendantsByAtom(e.n, atom.Option)) },
		}},
		{"DelElement", []atom.Atom{atom.Del}, modMethods},
		{"EmbedElement", []atom.Atom{atom.Embed}, methods{
			"src": urlAttr("src"), "type": strAttr("type"), "width": strAttr("width"), "height": strAttr("height"),
		}},
		{"FieldSetElement", []atom.Atom{atom.Fieldset}, methods{
			"elements": func(e Element, _ sobek.FunctionCall) sobek.Value {
				return e.els(descendants(e.n, listed))
			},
			"form":     formOf,
			"type":     constant("fieldset"),
			"validity": func(Element, sobek.FunctionCall) sobek.Value { return sobek.Undefined() },
			"disabled": boolAttr("disabled"),
			"name":     strAttr("name"),
		}},
		{"FormElement", []atom.Atom{atom.Form}, methods{
			"elements": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.els(formElements(e.n, false)) },
			"length": func(e Element, _ sobek.FunctionCall) sobek.Value {
				return e.h.rt.ToValue(len(formElements(e.n, false)))
			},
			"method": enumAttr("method", "get", "get", "post", "dialog"),
			"action": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if v, ok := attr(e.n, "action"); ok && v != "" {
					return e.str(resolve(e.url, v))
				}
				return e.str(e.url)
			},
			"enctype":       enumAttr("enctype", formURLEncoded, formURLEncoded, "multipart/form-data", "text/plain"),
			"encoding":      enumAttr("enctype", formURLEncoded, formURLEncoded, "multipart/form-data", "text/plain"),
			"name":          strAttr("name"),
			"target":        strAttr("target"),
			"acceptCharset": strAttr("accept-charset"),
			"autocomplete":  enumAttr("autocomplete", "on", "on", "off"),
			"noValidate":    boolAttr("novalidate"),
		}},
		{"IFrameElement", []atom.Atom{atom.Iframe}, methods{
			"src": urlAttr("src"), "srcdoc": strAttr("srcdoc"), "name": strAttr("name"),
			"width": strAttr("width"), "height": strAttr("height"), "allowFullscreen": boolAttr("allowfullscreen"),
			"referrerPolicy": strAttr("referrerpolicy"),
		}},
		{"ImageElement", []atom.Atom{atom.Img}, methods{
			"src": urlAttr("src"), "alt": strAttr("alt"), "width": intAttr("width", 0), "height": intAttr("height", 0),
			"sizes": strAttr("sizes"), "srcset": strAttr("srcset"), "useMap": strAttr("usemap"), "isMap": boolAttr("ismap"),
			"crossOrigin": optAttr("crossorigin"), "referrerPolicy": strAttr("referrerpolicy"),
		}},
		{"InputElement", []atom.Atom{atom.Input}, merge(formFieldMethods, methods{
			"value": func(e Element, _ sobek.FunctionCall) sobek.Value {
				return e.str(controlValues(e.n)[0])
			},
			"type":           func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(inputType(e.n)) },
			"checked":        boolAttr("checked"),
			"defaultChecked": boolAttr("checked"),
			"defaultValue":   strAttr("value"),
			"disabled":       boolAttr("disabled"),
			"readOnly":       boolAttr("readonly"),
			"required":       boolAttr("required"),
			"multiple":       boolAttr("multiple"),
			"autofocus":      boolAttr("autofocus"),
			"autocomplete":   strAttr("autocomplete"),
			"placeholder":    strAttr("placeholder"),
			"pattern":        strAttr("pattern"),
			"min":            strAttr("min"),
			"max":            strAttr("max"),
			"step":           strAttr("step"),
			"accept":         strAttr("accept"),
			"alt":            strAttr("alt"),
			"src":            urlAttr("src"),
			"size":           intAttr("size", 20),
			"maxLength":      intAttr("maxlength", -1),
			"minLength":      intAttr("minlength", -1),
		})},
		{"InsElement", []atom.Atom{atom.Ins}, modMethods},
		{"KeygenElement", []atom.Atom{atom.Keygen}, methods{"form": formOf, "labels": labelsMethod, "name": strAttr("name")}},
		{"LabelElement", []atom.Atom{atom.Label}, methods{
			"control": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(labelControl(e.n)) },
			"form": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if c := labelControl(e.n); c != nil {
					return e.el(formOwner(c))
				}
				return sobek.Undefined()
			},
			"htmlFor": strAttr("for"),
		}},
		{"LegendElement", []atom.Atom{atom.Legend}, methods{
			"form": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if p := e.n.Parent; p != nil && p.DataAtom == atom.Fieldset {
					return e.el(formOwner(p))
				}
				return sobek.Undefined()
			},
		}},
		{"LiElement", []atom.Atom{atom.Li}, methods{"value": intAttr("value", 0)}},
		{"LinkElement", []atom.Atom{atom.Link}, methods{
			"relList": relList, "href": urlAttr("href"), "rel": strAttr("rel"), "media": strAttr("media"),
			"hreflang": strAttr("hreflang"), "type": strAttr("type"), "as": strAttr("as"), "sizes": strAttr("sizes"),
			"crossOrigin": optAttr("crossorigin"), "integrity": strAttr("integrity"),
		}},
		{"MapElement", []atom.Atom{atom.Map}, methods{
			"areas": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.els(descendantsByAtom(e.n, atom.Area)) },
			"images": func(e Element, _ sobek.FunctionCall) sobek.Value {
				name, _ := attr(e.n, "name")
				if name == "" {
					name, _ = attr(e.n, "id")
				}
				return e.els(descendants(root(e.n), func(n *gohtml.Node) bool {
					m, _ := attr(n, "usemap")
					return (n.DataAtom == atom.Img || n.DataAtom == atom.Object) && name != "" && m == "#"+name
				}))
			},
			"name": strAttr("name"),
		}},
		{"MetaElement", []atom.Atom{atom.Meta}, methods{
			"name": strAttr("name"), "content": strAttr("content"), "httpEquiv": strAttr("http-equiv"),
		}},
		{"MeterElement", []atom.Atom{atom.Meter}, methods{
			"labels": labelsMethod,
			"value":  floatAttr("value", 0), "min": floatAttr("min", 0), "max": floatAttr("max", 1),
			"low": floatAttr("low", 0), "high": floatAttr("high", 1), "optimum": floatAttr("optimum", 0.5),
		}},
		{"ObjectElement", []atom.Atom{atom.Object}, methods{
			"form": formOf, "data": urlAttr("data"), "type": strAttr("type"), "name": strAttr("name"),
			"useMap": strAttr("usemap"), "width": strAttr("width"), "height": strAttr("height"),
		}},
		{"OListElement", []atom.Atom{atom.Ol}, methods{
			"reversed": boolAttr("reversed"), "start": intAttr("start", 1), "type": strAttr("type"),
		}},
		{"OptGroupElement", []atom.Atom{atom.Optgroup}, methods{"disabled": boolAttr("disabled"), "label": strAttr("label")}},
		{"OptionElement", []atom.Atom{atom.Option}, methods{
			"disabled": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.h.rt.ToValue(isDisabled(e.n)) },
			"form": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if s := selectOf(e.n); s != nil {
					return e.el(formOwner(s))
				}
				return sobek.Undefined()
			},
			"index": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if s := selectOf(e.n); s != nil {
					for i, o := range selectOptions(s) {
						if o == e.n {
							return e.h.rt.ToValue(i)
						}
					}
				}
				return e.h.rt.ToValue(0)
			},
			"label": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if v, ok := attr(e.n, "label"); ok && v != "" {
					return e.str(v)
				}
				return e.str(optionText(e.n))
			},
			"text":  func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(optionText(e.n)) },
			"value": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(optionValue(e.n)) },
			"selected": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if s := selectOf(e.n); s != nil {
					for _, o := range selectedOptions(s) {
						if o == e.n {
							return e.h.rt.ToValue(true)
						}
					}
					return e.h.rt.ToValue(false)
				}
				return e.h.rt.ToValue(hasAttr(e.n, "selected"))
			},
			"defaultSelected": boolAttr("selected"),
		}},
		{"OutputElement", []atom.Atom{atom.Output}, methods{
			"defaultValue": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(textContent(e.n)) },
			"form":         formOf,
			"labels":       labelsMethod,
			"value":        func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(textContent(e.n)) },
			"name":         strAttr("name"),
			"htmlFor":      strAttr("for"),
			"type":         constant("output"),
		}},
		{"ParamElement", []atom.Atom{atom.Param}, methods{"name": strAttr("name"), "value": strAttr("value")}},
		{"PreElement", []atom.Atom{atom.Pre}, nil},
		{"ProgressElement", []atom.Atom{atom.Progress}, methods{
			"labels": labelsMethod,
			"max": func(e Element, _ sobek.FunctionCall) sobek.Value {
				return e.h.rt.ToValue(progressMax(e.n))
			},
			"position": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if !hasAttr(e.n, "value") {
					return e.h.rt.ToValue(-1)
				}
				return e.h.rt.ToValue(progressValue(e.n) / progressMax(e.n))
			},
			"value": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.h.rt.ToValue(progressValue(e.n)) },
		}},
		{"QuoteElement", []atom.Atom{atom.Q, atom.Blockquote}, methods{"cite": urlAttr("cite")}},
		{"ScriptElement", []atom.Atom{atom.Script}, methods{
			"text": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(textContent(e.n)) },
			"src":  urlAttr("src"), "type": strAttr("type"), "charset": strAttr("charset"),
			"async": boolAttr("async"), "defer": boolAttr("defer"), "noModule": boolAttr("nomodule"),
			"crossOrigin": optAttr("crossorigin"), "integrity": strAttr("integrity"),
		}},
		{"SelectElement", []atom.Atom{atom.Select}, methods{
			"form":   formOf,
			"labels": labelsMethod,
			"length": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.h.rt.ToValue(len(selectOptions(e.n))) },
			"options": func(e Element, _ sobek.FunctionCall) sobek.Value {
				return e.els(selectOptions(e.n))
			},
			"selectedIndex": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if sel := selectedOptions(e.n); len(sel) > 0 {
					for i, o := range selectOptions(e.n) {
						if o == sel[0] {
							return e.h.rt.ToValue(i)
						}
					}
				}
				return e.h.rt.ToValue(-1)
			},
			"selectedOptions": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.els(selectedOptions(e.n)) },
			"size":            intAttr("size", 0),
			"type": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if hasAttr(e.n, "multiple") {
					return e.str("select-multiple")
				}
				return e.str("select-one")
			},
			"value": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if sel := selectedOptions(e.n); len(sel) > 0 {
					return e.str(optionValue(sel[0]))
				}
				return e.str("")
			},
			"multiple":  boolAttr("multiple"),
			"disabled":  boolAttr("disabled"),
			"required":  boolAttr("required"),
			"autofocus": boolAttr("autofocus"),
			"name":      strAttr("name"),
		}},
		{"SourceElement", []atom.Atom{atom.Source}, methods{
			"src": urlAttr("src"), "type": strAttr("type"), "media": strAttr("media"),
			"sizes": strAttr("sizes"), "srcset": strAttr("srcset"),
		}},
		{"StyleElement", []atom.Atom{atom.Style}, methods{"type": strAttr("type"), "media": strAttr("media")}},
		{"TableBodyElement", []atom.Atom{atom.Tbody}, tableSectionMethods},
		{"TableColElement", []atom.Atom{atom.Col, atom.Colgroup}, methods{"span": intAttr("span", 1)}},
		{"TableDataCellElement", []atom.Atom{atom.Td}, tableCellMethods},
		{"TableElement", []atom.Atom{atom.Table}, methods{
			"caption": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(firstChildElement(e.n, atom.Caption)) },
			"rows":    func(e Element, _ sobek.FunctionCall) sobek.Value { return e.els(tableRows(e.n)) },
			"tBodies": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.els(childrenByAtom(e.n, atom.Tbody)) },
			"tFoot":   func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(firstChildElement(e.n, atom.Tfoot)) },
			"tHead":   func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(firstChildElement(e.n, atom.Thead)) },
		}},
		{"TableFootElement", []atom.Atom{atom.Tfoot}, tableSectionMethods},
		{"TableHeadElement", []atom.Atom{atom.Thead}, tableSectionMethods},
		{"TableHeaderCellElement", []atom.Atom{atom.Th}, merge(tableCellMethods, methods{
			"abbr": strAttr("abbr"), "scope": strAttr("scope"),
		})},
		{"TableRowElement", []atom.Atom{atom.Tr}, methods{
			"cells": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.els(rowCells(e.n)) },
			"rowIndex": func(e Element, _ sobek.FunctionCall) sobek.Value {
				t := e.n.Parent
				if t != nil && t.DataAtom != atom.Table {
					t = t.Parent
				}
				if t == nil || t.DataAtom != atom.Table {
					return e.h.rt.ToValue(-1)
				}
				return e.h.rt.ToValue(indexOf(tableRows(t), e.n))
			},
			"sectionRowIndex": func(e Element, _ sobek.FunctionCall) sobek.Value {
				if e.n.Parent == nil {
					return e.h.rt.ToValue(-1)
				}
				return e.h.rt.ToValue(indexOf(childrenByAtom(e.n.Parent, atom.Tr), e.n))
			},
		}},
		{"TextAreaElement", []atom.Atom{atom.Textarea}, methods{
			"form":   formOf,
			"labels": labelsMethod,
			// length is the value's length in bytes, as k6 has it.
			"length":       func(e Element, _ sobek.FunctionCall) sobek.Value { return e.h.rt.ToValue(len(textContent(e.n))) },
			"value":        func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(textContent(e.n)) },
			"defaultValue": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(textContent(e.n)) },
			"type":         constant("textarea"),
			"name":         strAttr("name"),
			"placeholder":  strAttr("placeholder"),
			"wrap":         strAttr("wrap"),
			"rows":         intAttr("rows", 2),
			"cols":         intAttr("cols", 20),
			"maxLength":    intAttr("maxlength", -1),
			"minLength":    intAttr("minlength", -1),
			"disabled":     boolAttr("disabled"),
			"readOnly":     boolAttr("readonly"),
			"required":     boolAttr("required"),
			"autofocus":    boolAttr("autofocus"),
		}},
		{"TimeElement", []atom.Atom{atom.Time}, methods{"dateTime": strAttr("datetime")}},
		{"TitleElement", []atom.Atom{atom.Title}, methods{
			"text": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(textContent(e.n)) },
		}},
		{"TrackElement", []atom.Atom{atom.Track}, methods{
			"kind": enumAttr("kind", "subtitles", "subtitles", "captions", "descriptions", "chapters", "metadata"),
			"src":  urlAttr("src"), "srclang": strAttr("srclang"), "label": strAttr("label"), "default": boolAttr("default"),
		}},
		{"UListElement", []atom.Atom{atom.Ul}, nil},
		{"VideoElement", []atom.Atom{atom.Video}, merge(mediaMethods, methods{
			"poster": urlAttr("poster"), "width": intAttr("width", 0), "height": intAttr("height", 0),
		})},
	}
}

const formURLEncoded = "application/x-www-form-urlencoded"

// kindByAtom maps a tag to its class in kindDefs (made in init).
var kindByAtom map[atom.Atom]int

// kindOf is the class of a node: by tag for HTML elements, else Element.
func kindOf(n *gohtml.Node) int {
	if n.Type != gohtml.ElementNode || n.Namespace != "" {
		return 0
	}
	return kindByAtom[n.DataAtom]
}

func merge(ms ...methods) methods {
	out := methods{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

var hrefMethods = methods{
	"href":     urlAttr("href"),
	"hash":     urlPart(func(u *url.URL) string { return prefixed("#", u.EscapedFragment()) }),
	"host":     urlPart(func(u *url.URL) string { return u.Host }),
	"hostname": urlPart(func(u *url.URL) string { return u.Hostname() }),
	"origin": urlPart(func(u *url.URL) string {
		if u.Scheme == "" || u.Host == "" {
			return ""
		}
		return u.Scheme + "://" + u.Host
	}),
	"password": urlPart(func(u *url.URL) string {
		p, _ := u.User.Password()
		return p
	}),
	"pathname": urlPart(func(u *url.URL) string {
		if u.Opaque != "" {
			return u.Opaque
		}
		if p := u.EscapedPath(); p != "" || u.Host == "" {
			return p
		}
		return "/"
	}),
	"port": urlPart(func(u *url.URL) string { return u.Port() }),
	"protocol": urlPart(func(u *url.URL) string {
		if u.Scheme == "" {
			return ""
		}
		return u.Scheme + ":"
	}),
	"relList":  relList,
	"rel":      strAttr("rel"),
	"search":   urlPart(func(u *url.URL) string { return prefixed("?", u.RawQuery) }),
	"text":     func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(textContent(e.n)) },
	"username": urlPart(func(u *url.URL) string { return u.User.Username() }),
}

var formFieldMethods = methods{
	"form": formOf,
	"formAction": func(e Element, _ sobek.FunctionCall) sobek.Value {
		if v, ok := attr(e.n, "formaction"); ok && v != "" {
			return e.str(resolve(e.url, v))
		}
		if f := formOwner(e.n); f != nil {
			if v, ok := attr(f, "action"); ok && v != "" {
				return e.str(resolve(e.url, v))
			}
		}
		return e.str(e.url)
	},
	"formEnctype": formOverride("formenctype", "enctype", formURLEncoded, formURLEncoded, "multipart/form-data", "text/plain"),
	"formMethod":  formOverride("formmethod", "method", "get", "get", "post", "dialog"),
	"formNoValidate": func(e Element, _ sobek.FunctionCall) sobek.Value {
		return e.h.rt.ToValue(hasAttr(e.n, "formnovalidate"))
	},
	"formTarget": func(e Element, _ sobek.FunctionCall) sobek.Value {
		if v, ok := attr(e.n, "formtarget"); ok {
			return e.str(v)
		}
		if f := formOwner(e.n); f != nil {
			v, _ := attr(f, "target")
			return e.str(v)
		}
		return e.str("")
	},
	"labels": labelsMethod,
	"name":   strAttr("name"),
}

var mediaMethods = methods{
	"textTracks":  func(e Element, _ sobek.FunctionCall) sobek.Value { return e.els(descendantsByAtom(e.n, atom.Track)) },
	"src":         urlAttr("src"),
	"autoplay":    boolAttr("autoplay"),
	"controls":    boolAttr("controls"),
	"loop":        boolAttr("loop"),
	"muted":       boolAttr("muted"),
	"preload":     strAttr("preload"),
	"crossOrigin": optAttr("crossorigin"),
}

var modMethods = methods{"cite": urlAttr("cite"), "dateTime": strAttr("datetime")}

var tableSectionMethods = methods{
	"rows": func(e Element, _ sobek.FunctionCall) sobek.Value { return e.els(childrenByAtom(e.n, atom.Tr)) },
}

var tableCellMethods = methods{
	"cellIndex": func(e Element, _ sobek.FunctionCall) sobek.Value {
		if p := e.n.Parent; p != nil && p.DataAtom == atom.Tr {
			return e.h.rt.ToValue(indexOf(rowCells(p), e.n))
		}
		return e.h.rt.ToValue(-1)
	},
	"colSpan": intAttr("colspan", 1),
	"rowSpan": intAttr("rowspan", 1),
	"headers": strAttr("headers"),
}

var relList elemMethod = func(e Element, _ sobek.FunctionCall) sobek.Value {
	v, _ := attr(e.n, "rel")
	return e.h.strings(strings.Fields(v))
}

var labelsMethod elemMethod = func(e Element, _ sobek.FunctionCall) sobek.Value { return e.els(labelsOf(e.n)) }

var formOf elemMethod = func(e Element, _ sobek.FunctionCall) sobek.Value { return e.el(formOwner(e.n)) }

func constant(s string) elemMethod {
	return func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(s) }
}

// strAttr reflects an attribute as a string ("" when absent).
func strAttr(name string) elemMethod {
	return func(e Element, _ sobek.FunctionCall) sobek.Value {
		v, _ := attr(e.n, name)
		return e.str(v)
	}
}

// optAttr reflects an attribute that may be absent (undefined then).
func optAttr(name string) elemMethod {
	return func(e Element, _ sobek.FunctionCall) sobek.Value { return e.optAttr(name) }
}

// boolAttr reflects a boolean attribute: whether it is present.
func boolAttr(name string) elemMethod {
	return func(e Element, _ sobek.FunctionCall) sobek.Value { return e.h.rt.ToValue(hasAttr(e.n, name)) }
}

// intAttr reflects an integer attribute, def when absent or not a number.
func intAttr(name string, def int) elemMethod {
	return func(e Element, _ sobek.FunctionCall) sobek.Value {
		if v, ok := attr(e.n, name); ok {
			if i, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return e.h.rt.ToValue(i)
			}
		}
		return e.h.rt.ToValue(def)
	}
}

func floatAttr(name string, def float64) elemMethod {
	return func(e Element, _ sobek.FunctionCall) sobek.Value { return e.h.rt.ToValue(floatOf(e.n, name, def)) }
}

func floatOf(n *gohtml.Node, name string, def float64) float64 {
	if v, ok := attr(n, name); ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
	return def
}

// enumAttr reflects an enumerated attribute: its value in lower case when
// allowed, else def.
func enumAttr(name, def string, allowed ...string) elemMethod {
	return func(e Element, _ sobek.FunctionCall) sobek.Value { return e.str(enumOf(e.n, name, def, allowed)) }
}

func enumOf(n *gohtml.Node, name, def string, allowed []string) string {
	if v, ok := attr(n, name); ok {
		v = strings.ToLower(strings.TrimSpace(v))
		for _, a := range allowed {
			if v == a {
				return v
			}
		}
	}
	return def
}

// formOverride is a submit button's formmethod/formenctype: its own
// attribute, else its form's, else def.
func formOverride(own, formAttr, def string, allowed ...string) elemMethod {
	return func(e Element, _ sobek.FunctionCall) sobek.Value {
		if hasAttr(e.n, own) {
			return e.str(enumOf(e.n, own, def, allowed))
		}
		if f := formOwner(e.n); f != nil {
			return e.str(enumOf(f, formAttr, def, allowed))
		}
		return e.str(def)
	}
}

// urlAttr reflects a URL attribute, resolved against the document's URL
// ("" when absent).
func urlAttr(name string) elemMethod {
	return func(e Element, _ sobek.FunctionCall) sobek.Value {
		v, ok := attr(e.n, name)
		if !ok {
			return e.str("")
		}
		return e.str(resolve(e.url, v))
	}
}

// urlPart is a part of the element's resolved href ("" when it has none
// or it does not parse).
func urlPart(part func(*url.URL) string) elemMethod {
	return func(e Element, _ sobek.FunctionCall) sobek.Value {
		v, ok := attr(e.n, "href")
		if !ok {
			return e.str("")
		}
		u, err := url.Parse(resolve(e.url, strings.TrimSpace(v)))
		if err != nil {
			return e.str("")
		}
		return e.str(part(u))
	}
}

// resolve resolves ref against base (ref as is without a base, or when
// either does not parse).
func resolve(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if base == "" {
		return ref
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func descendantsByAtom(n *gohtml.Node, a atom.Atom) []*gohtml.Node {
	return descendants(n, func(c *gohtml.Node) bool { return c.DataAtom == a && c.Namespace == "" })
}

func childrenByAtom(n *gohtml.Node, as ...atom.Atom) []*gohtml.Node {
	var out []*gohtml.Node
	for _, c := range childElements(n) {
		for _, a := range as {
			if c.DataAtom == a {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

func rowCells(tr *gohtml.Node) []*gohtml.Node { return childrenByAtom(tr, atom.Td, atom.Th) }

// tableRows are a table's rows as the DOM orders them: the thead's, then
// those of tbodies and the table itself in tree order, then the tfoot's.
func tableRows(t *gohtml.Node) []*gohtml.Node {
	var head, body, foot []*gohtml.Node
	for _, c := range childElements(t) {
		switch c.DataAtom {
		case atom.Thead:
			head = append(head, childrenByAtom(c, atom.Tr)...)
		case atom.Tbody:
			body = append(body, childrenByAtom(c, atom.Tr)...)
		case atom.Tfoot:
			foot = append(foot, childrenByAtom(c, atom.Tr)...)
		case atom.Tr:
			body = append(body, c)
		}
	}
	return append(append(head, body...), foot...)
}

func indexOf(nodes []*gohtml.Node, n *gohtml.Node) int {
	for i, c := range nodes {
		if c == n {
			return i
		}
	}
	return -1
}

func progressMax(n *gohtml.Node) float64 {
	if m := floatOf(n, "max", 1); m > 0 {
		return m
	}
	return 1
}

func progressValue(n *gohtml.Node) float64 {
	return max(0, min(floatOf(n, "value", 0), progressMax(n)))
}
