package http

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/k6/html"
	"github.com/stampede-load/stampede/js/modules"
)

var errNoHTMLBody = errors.New("the body is null so it cannot be parsed as HTML; the request likely failed (see error and error_code) or its responseType is \"none\"")

// htmlModule is the VU's k6/html, whose Selections res.html() returns.
func (mi *ModuleInstance) htmlModule() *html.Instance {
	if mi.htmlInst == nil {
		mi.htmlInst = html.For(mi.vu)
	}
	return mi.htmlInst
}

// document returns the body parsed as HTML, parsing it on first use. A body
// the script assigned (res.body = "...") is parsed each time instead.
func (jr *jsResponse) document() *goquery.Document {
	rt := jr.mi.rt
	if v, ok := jr.set["body"]; ok {
		if modules.IsNullish(v) {
			panic(rt.NewGoError(errNoHTMLBody))
		}
		doc, err := html.Parse([]byte(v.String()))
		if err != nil {
			panic(rt.NewGoError(err))
		}
		return doc
	}
	if jr.doc == nil {
		if jr.r.Body == nil {
			panic(rt.NewGoError(errNoHTMLBody))
		}
		doc, err := html.Parse(jr.r.Body)
		if err != nil {
			panic(rt.NewGoError(err))
		}
		jr.doc = doc
	}
	return jr.doc
}

// html implements Response.html([selector]): the body as a k6/html
// Selection of the whole document, or of what selector finds in it.
// Relative URLs in it resolve against the response's URL.
func (jr *jsResponse) html(selV sobek.Value) sobek.Value {
	sel := jr.document().Selection
	if !modules.IsNullish(selV) {
		sel = sel.Find(selV.String())
	}
	return jr.mi.htmlModule().Selection(sel, jr.r.URL)
}

// submitForm implements Response.submitForm({formSelector, fields,
// submitSelector, params}) as k6 does: it finds the form (the first match
// of formSelector, default "form"; none throws), takes its fields
// (serializeArray), the name and value of its submit button (the first
// match of submitSelector, default `[type="submit"]`) and then fields,
// which override them, and sends them with the form's method (default
// GET) to its action resolved against the response's URL (default that
// URL): URL-encoded in the query for GET (replacing the action's query),
// else as an application/x-www-form-urlencoded body. params are the
// request's params.
func (jr *jsResponse) submitForm(arg sobek.Value) sobek.Value {
	mi := jr.mi
	rt := mi.rt
	formSelector, submitSelector := "form", `[type="submit"]`
	var fields *sobek.Object
	var params sobek.Value
	if o, ok := arg.(*sobek.Object); ok {
		if v := o.Get("formSelector"); !modules.IsNullish(v) {
			formSelector = v.String()
		}
		if v := o.Get("submitSelector"); !modules.IsNullish(v) {
			submitSelector = v.String()
		}
		if v := o.Get("fields"); !modules.IsNullish(v) {
			fields = v.ToObject(rt)
		}
		params = o.Get("params")
	} else if !modules.IsNullish(arg) {
		panic(rt.NewTypeError("submitForm: the argument must be an object like {formSelector, fields, submitSelector, params}"))
	}
	form := jr.document().Find(formSelector).First()
	if form.Length() == 0 {
		mi.throw(fmt.Errorf("no form found for selector '%s' in response '%s'", formSelector, jr.r.URL))
	}
	method := http.MethodGet
	if m, ok := form.Attr("method"); ok && strings.TrimSpace(m) != "" {
		method = strings.ToUpper(strings.TrimSpace(m))
	}
	target, err := resolveURL(jr.r.URL, form.AttrOr("action", ""))
	if err != nil {
		mi.throw(fmt.Errorf("submitForm: the form's action: %w", err))
	}

	values := url.Values{}
	for _, f := range html.FormFields(form.Nodes) {
		values.Add(f.Name, f.Value)
	}
	if submit := form.Find(submitSelector).First(); submit.Length() > 0 {
		name, hasName := submit.Attr("name")
		value, hasValue := html.ControlValue(submit.Nodes[0])
		if hasName && hasValue {
			values.Set(name, value)
		}
	}
	if fields != nil {
		for _, k := range fields.Keys() {
			v := fields.Get(k)
			if modules.IsNullish(v) {
				values.Set(k, "")
				continue
			}
			values.Set(k, v.String())
		}
	}
	if method == http.MethodGet {
		target.RawQuery = values.Encode()
		return mi.requestFromGo(method, target.String(), nil, params)
	}
	return mi.requestFromGo(method, target.String(), []byte(values.Encode()), params)
}

// clickLink implements Response.clickLink({selector, params}): a GET of
// the href of the first element selector (default "a[href]") finds,
// resolved against the response's URL. No element, or no href, throws.
func (jr *jsResponse) clickLink(arg sobek.Value) sobek.Value {
	mi := jr.mi
	selector := "a[href]"
	var params sobek.Value
	if o, ok := arg.(*sobek.Object); ok {
		if v := o.Get("selector"); !modules.IsNullish(v) {
			selector = v.String()
		}
		params = o.Get("params")
	} else if !modules.IsNullish(arg) {
		panic(mi.rt.NewTypeError("clickLink: the argument must be an object like {selector, params}"))
	}
	sel := jr.document().Find(selector)
	if sel.Length() == 0 {
		mi.throw(fmt.Errorf("no element found for selector '%s' in response '%s'", selector, jr.r.URL))
	}
	href, ok := sel.First().Attr("href")
	if !ok {
		mi.throw(fmt.Errorf("no valid href attribute value found on element '%s' in response '%s'", selector, jr.r.URL))
	}
	target, err := resolveURL(jr.r.URL, href)
	if err != nil {
		mi.throw(fmt.Errorf("clickLink: the link's href: %w", err))
	}
	return mi.requestFromGo(http.MethodGet, target.String(), nil, params)
}

func resolveURL(base, ref string) (*url.URL, error) {
	b, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return nil, err
	}
	return b.ResolveReference(r), nil
}

// requestFromGo is request() for a request Go code built (submitForm,
// clickLink): the script gives only its params. A body is sent as a
// URL-encoded form.
func (mi *ModuleInstance) requestFromGo(method, target string, body []byte, paramsV sobek.Value) sobek.Value {
	c := mi.client()
	var req Request
	if err := mi.parseRequestInto(&req, method, mi.rt.ToValue(target), nil, paramsV, false); err != nil {
		mi.throw(err)
	}
	if body != nil {
		req.Body = body
		setDefaultHeader(&req, "Content-Type", "application/x-www-form-urlencoded")
	}
	jr := &jsResponse{mi: mi, binary: req.ResponseType == ResponseBinary}
	if err := c.doInto(mi.vu.Context(), &req, &jr.resp); err != nil {
		mi.throw(err)
	}
	jr.r = &jr.resp
	return mi.wrapResponse(jr)
}
