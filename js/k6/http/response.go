package http

import (
	"errors"
	"slices"
	"strings"
	"unsafe"

	"github.com/PuerkitoBio/goquery"
	"github.com/grafana/sobek"
	"github.com/tidwall/gjson"

	"github.com/stampede-load/stampede/js/modules"
)

// jsResponse is the JS face of a Response: a dynamic object whose
// properties are made on first access and then kept, so a script that only
// reads status pays for neither headers nor body conversion. json(),
// html(), submitForm() and clickLink() live on a shared prototype.
type jsResponse struct {
	mi        *ModuleInstance
	r         *Response
	binary    bool
	jsonValid int8     // 0 unknown, 1 valid, 2 invalid
	resp      Response // where r points when the wrapper was made with the response

	body, headers, cookies, timings, request sobek.Value
	set                                      map[string]sobek.Value // properties the script assigned
	deleted                                  map[string]bool

	jsonAll sobek.Value
	jsonSel map[string]sobek.Value
	// doc is the body parsed as HTML by html(), submitForm() or
	// clickLink(), once. (jsonValid sits in binary's padding so that this
	// pointer keeps the struct in its 480-byte size class.)
	doc *goquery.Document
}

var responseKeys = []string{
	"remote_ip", "remote_port", "url", "status", "status_text", "proto", "headers", "cookies",
	"body", "timings", "tls_version", "tls_cipher_suite", "error", "error_code", "request",
}

// newResponse wraps r for the script.
func (mi *ModuleInstance) newResponse(r *Response, rt ResponseType) sobek.Value {
	return mi.wrapResponse(&jsResponse{mi: mi, r: r, binary: rt == ResponseBinary})
}

// wrapResponse makes the JS object of jr.
func (mi *ModuleInstance) wrapResponse(jr *jsResponse) sobek.Value {
	obj := mi.rt.NewDynamicObject(jr)
	_ = obj.SetPrototype(mi.responsePrototype())
	return obj
}

// Get returns a property (sobek.DynamicObject).
func (jr *jsResponse) Get(key string) sobek.Value {
	if v, ok := jr.set[key]; ok {
		return v
	}
	if jr.deleted[key] {
		return nil
	}
	rt := jr.mi.rt
	r := jr.r
	switch key {
	case "status":
		return rt.ToValue(r.Status)
	case "status_text":
		return rt.ToValue(r.StatusText)
	case "url":
		return rt.ToValue(r.URL)
	case "proto":
		return rt.ToValue(r.Proto)
	case "remote_ip":
		return rt.ToValue(r.RemoteIP)
	case "remote_port":
		return rt.ToValue(r.RemotePort)
	case "tls_version":
		return rt.ToValue(r.TLSVersion)
	case "tls_cipher_suite":
		return rt.ToValue(r.TLSCipherSuite)
	case "error":
		return rt.ToValue(r.Error)
	case "error_code":
		return rt.ToValue(r.ErrorCode)
	case "body":
		if jr.body == nil {
			jr.body = jr.bodyValue()
		}
		return jr.body
	case "headers":
		if jr.headers == nil {
			o := rt.NewObject()
			for k, vs := range r.Header {
				_ = o.Set(k, strings.Join(vs, ", "))
			}
			jr.headers = o
		}
		return jr.headers
	case "cookies":
		if jr.cookies == nil {
			jr.cookies = jr.cookiesValue()
		}
		return jr.cookies
	case "timings":
		if jr.timings == nil {
			jr.timings = timingsValue(rt, &r.Timings)
		}
		return jr.timings
	case "request":
		if jr.request == nil {
			jr.request = jr.requestValue()
		}
		return jr.request
	}
	return nil
}

// Set assigns a property (sobek.DynamicObject).
func (jr *jsResponse) Set(key string, val sobek.Value) bool {
	if jr.set == nil {
		jr.set = make(map[string]sobek.Value)
	}
	jr.set[key] = val
	delete(jr.deleted, key)
	return true
}

// Has reports whether a property exists (sobek.DynamicObject).
func (jr *jsResponse) Has(key string) bool {
	if _, ok := jr.set[key]; ok {
		return true
	}
	if jr.deleted[key] {
		return false
	}
	for _, k := range responseKeys {
		if k == key {
			return true
		}
	}
	return false
}

// Delete removes a property (sobek.DynamicObject).
func (jr *jsResponse) Delete(key string) bool {
	delete(jr.set, key)
	if jr.deleted == nil {
		jr.deleted = make(map[string]bool)
	}
	jr.deleted[key] = true
	return true
}

// Keys lists the properties (sobek.DynamicObject).
func (jr *jsResponse) Keys() []string {
	keys := make([]string, 0, len(responseKeys)+len(jr.set))
	for _, k := range responseKeys {
		if !jr.deleted[k] {
			if _, ok := jr.set[k]; !ok {
				keys = append(keys, k)
			}
		}
	}
	for k := range jr.set {
		keys = append(keys, k)
	}
	return keys
}

// bodyString is the body as a Go string sharing the body's bytes: Response
// bodies made for scripts are never modified (binary ones are exposed as
// ArrayBuffers and never go through here).
func bodyString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func (jr *jsResponse) bodyValue() sobek.Value {
	b := jr.r.Body
	if b == nil {
		return sobek.Null()
	}
	if jr.binary {
		return jr.mi.rt.ToValue(jr.mi.rt.NewArrayBuffer(b))
	}
	return jr.mi.rt.ToValue(bodyString(b))
}

func (jr *jsResponse) cookiesValue() sobek.Value {
	rt := jr.mi.rt
	o := rt.NewObject()
	for _, c := range jr.r.Cookies() {
		co := rt.NewObject()
		_ = co.Set("name", c.Name)
		_ = co.Set("value", c.Value)
		_ = co.Set("domain", c.Domain)
		_ = co.Set("path", c.Path)
		_ = co.Set("httpOnly", c.HttpOnly)
		_ = co.Set("secure", c.Secure)
		_ = co.Set("maxAge", c.MaxAge)
		var exp int64
		if !c.Expires.IsZero() {
			exp = c.Expires.UnixMilli()
		}
		_ = co.Set("expires", exp)
		appendTo(rt, o, c.Name, co)
	}
	return o
}

// appendTo pushes v onto the array o[key], creating it.
func appendTo(rt *sobek.Runtime, o *sobek.Object, key string, v sobek.Value) {
	arr, ok := o.Get(key).(*sobek.Object)
	if !ok {
		arr = rt.NewArray()
		_ = o.Set(key, arr)
	}
	n := arr.Get("length").ToInteger()
	_ = arr.Set(itoa(int(n)), v)
}

func timingsValue(rt *sobek.Runtime, t *Timings) sobek.Value {
	o := rt.NewObject()
	_ = o.Set("blocked", ms(t.Blocked))
	_ = o.Set("connecting", ms(t.Connecting))
	_ = o.Set("tls_handshaking", ms(t.TLSHandshaking))
	_ = o.Set("sending", ms(t.Sending))
	_ = o.Set("waiting", ms(t.Waiting))
	_ = o.Set("receiving", ms(t.Receiving))
	_ = o.Set("duration", ms(t.Duration))
	return o
}

func (jr *jsResponse) requestValue() sobek.Value {
	rt := jr.mi.rt
	ri := &jr.r.Request
	o := rt.NewObject()
	_ = o.Set("method", ri.Method)
	_ = o.Set("url", ri.URL)
	h := rt.NewObject()
	for k, vs := range ri.Header {
		_ = h.Set(k, rt.NewArray(stringsToAny(vs)...))
	}
	_ = o.Set("headers", h)
	_ = o.Set("body", string(ri.Body))
	co := rt.NewObject()
	for _, c := range ri.Cookies {
		cv := rt.NewObject()
		_ = cv.Set("name", c.Name)
		_ = cv.Set("value", c.Value)
		_ = cv.Set("replace", c.Replace)
		appendTo(rt, co, c.Name, cv)
	}
	_ = o.Set("cookies", co)
	return o
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// responsePrototype is the VU's prototype of Responses: json(), html(),
// submitForm() and clickLink(), shared by every Response.
func (mi *ModuleInstance) responsePrototype() *sobek.Object {
	if mi.responseProto != nil {
		return mi.responseProto
	}
	p := mi.rt.NewDynamicObject(&responseProto{mi: mi})
	mi.responseProto = p
	return p
}

// responseProto is the Response prototype (a sobek.DynamicObject): its
// methods are made when the script first reads them, so a VU pays for
// those its script uses. Like a class's methods they are not enumerable;
// the script may add properties.
type responseProto struct {
	mi                                *ModuleInstance
	json, html, submitForm, clickLink sobek.Value
	extra                             modules.ScriptProps
}

var responseMethods = []string{"json", "html", "submitForm", "clickLink"}

func (p *responseProto) Get(key string) sobek.Value {
	if v := p.extra.Get(key); v != nil {
		return v
	}
	var slot *sobek.Value
	var call func(jr *jsResponse, arg sobek.Value) sobek.Value
	switch key {
	case "json":
		slot, call = &p.json, (*jsResponse).json
	case "html":
		slot, call = &p.html, (*jsResponse).html
	case "submitForm":
		slot, call = &p.submitForm, (*jsResponse).submitForm
	case "clickLink":
		slot, call = &p.clickLink, (*jsResponse).clickLink
	default:
		return nil
	}
	if *slot == nil {
		mi := p.mi
		*slot = mi.rt.ToValue(func(c sobek.FunctionCall) sobek.Value {
			return call(mi.thisResponse(c.This, key), c.Argument(0))
		})
	}
	return *slot
}

func (p *responseProto) Set(key string, val sobek.Value) bool {
	p.extra.Set(key, val)
	return true
}

func (p *responseProto) Has(key string) bool {
	return p.extra.Has(key) || slices.Contains(responseMethods, key)
}

func (p *responseProto) Delete(key string) bool {
	p.extra.Delete(key)
	return true
}

func (p *responseProto) Keys() []string { return p.extra.Keys() }

func (mi *ModuleInstance) thisResponse(this sobek.Value, method string) *jsResponse {
	if o, ok := this.(*sobek.Object); ok {
		if jr, ok := o.Export().(*jsResponse); ok {
			return jr
		}
	}
	panic(mi.rt.NewTypeError("Response." + method + "() called on something that is not a Response"))
}

var errNoBody = errors.New("the body is null so it cannot be parsed as JSON; the request likely failed (see error and error_code) or its responseType is \"none\"")

// json implements Response.json([selector]): the whole body parsed with
// JSON.parse, or the value at a gjson selector (undefined when nothing
// matches). Results are cached per response and selector.
func (jr *jsResponse) json(selV sobek.Value) sobek.Value {
	rt := jr.mi.rt
	b := jr.r.Body
	if b == nil {
		panic(rt.NewGoError(errNoBody))
	}
	if modules.IsNullish(selV) {
		if jr.jsonAll == nil {
			var src sobek.Value
			if jr.binary {
				src = rt.ToValue(string(b))
			} else {
				src = jr.Get("body")
				if _, ok := src.(*sobek.Object); ok || modules.IsNullish(src) {
					src = rt.ToValue(bodyString(b)) // the script replaced res.body
				}
			}
			jr.jsonAll = jr.mi.parseJSON(src)
		}
		return jr.jsonAll
	}
	sel := selV.String()
	if v, ok := jr.jsonSel[sel]; ok {
		return v
	}
	if jr.jsonValid == 0 {
		jr.jsonValid = 2
		if gjson.ValidBytes(b) {
			jr.jsonValid = 1
		}
	}
	if jr.jsonValid == 2 {
		panic(rt.NewGoError(errors.New("cannot parse the response body as JSON")))
	}
	res := gjson.GetBytes(b, sel)
	var v sobek.Value
	switch {
	case !res.Exists():
		v = sobek.Undefined()
	case res.Type == gjson.String:
		v = rt.ToValue(res.Str)
	case res.Type == gjson.Number:
		v = rt.ToValue(res.Num)
	case res.Type == gjson.True:
		v = rt.ToValue(true)
	case res.Type == gjson.False:
		v = rt.ToValue(false)
	case res.Type == gjson.Null:
		v = sobek.Null()
	default:
		v = jr.mi.parseJSON(rt.ToValue(res.Raw))
	}
	if jr.jsonSel == nil {
		jr.jsonSel = make(map[string]sobek.Value, 2)
	}
	jr.jsonSel[sel] = v
	return v
}

// parseJSON calls the runtime's JSON.parse, rethrowing its SyntaxError.
func (mi *ModuleInstance) parseJSON(src sobek.Value) sobek.Value {
	if mi.jsonParse == nil {
		parse, ok := sobek.AssertFunction(mi.rt.Get("JSON").ToObject(mi.rt).Get("parse"))
		if !ok {
			panic(mi.rt.NewTypeError("JSON.parse is not available"))
		}
		mi.jsonParse = parse
	}
	v, err := mi.jsonParse(sobek.Undefined(), src)
	if err != nil {
		panic(err)
	}
	return v
}
