package http

import (
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/k6/html"
	"github.com/stampede-load/stampede/js/modules"
)

func init() { modules.RegisterBuiltin("k6/http", New()) }

// RootModule is the k6/http module; each VU gets a *ModuleInstance.
type RootModule struct{}

// New returns the k6/http module.
func New() *RootModule { return &RootModule{} }

// NewModuleInstance returns the VU's k6/http.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	mi := &ModuleInstance{vu: vu, rt: vu.Runtime()}
	mi.buildExports()
	return mi
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*ModuleInstance)(nil)
)

// ModuleInstance is one VU's k6/http. Its methods run on the VU's goroutine.
type ModuleInstance struct {
	vu modules.VU
	rt *sobek.Runtime

	named map[string]any

	// The VU's default response callback (setResponseCallback).
	callback    func(int) bool
	callbackOff bool
	jarMethods  bool // (next to callbackOff: one word for both)

	responseProto *sobek.Object
	jarCtor       *sobek.Object // CookieJar, made on first use
	jarProto      *sobek.Object // CookieJar.prototype
	urlProto      *sobek.Object
	fileCtor      *sobek.Object // FileData, made on first use
	fileProto     *sobek.Object // FileData.prototype
	jsonParse     sobek.Callable
	htmlInst      *html.Instance // k6/html, for res.html(), made on first use
}

// Exports returns k6/http's functions and constants.
func (mi *ModuleInstance) Exports() modules.Exports { return modules.Exports{Named: mi.named} }

func (mi *ModuleInstance) buildExports() {
	// Functions are exported as Go values: the runtime turns each into a JS
	// function when the script first reads it, so a VU pays only for the
	// functions its script uses.
	type fnT = func(sobek.FunctionCall) sobek.Value
	fn := func(f fnT) fnT { return f }
	verb := func(method string, hasBody bool) fnT {
		return func(c sobek.FunctionCall) sobek.Value {
			if hasBody {
				return mi.request(method, c.Argument(0), c.Argument(1), c.Argument(2))
			}
			return mi.request(method, c.Argument(0), nil, c.Argument(1))
		}
	}
	mi.named = map[string]any{
		"get":     verb(http.MethodGet, false),
		"head":    verb(http.MethodHead, false),
		"post":    verb(http.MethodPost, true),
		"put":     verb(http.MethodPut, true),
		"patch":   verb(http.MethodPatch, true),
		"del":     verb(http.MethodDelete, true),
		"options": verb(http.MethodOptions, true),
		"request": fn(func(c sobek.FunctionCall) sobek.Value {
			return mi.request(mi.method(c.Argument(0)), c.Argument(1), c.Argument(2), c.Argument(3))
		}),
		"asyncRequest": fn(func(c sobek.FunctionCall) sobek.Value {
			return mi.asyncRequest(c.Argument(0), c.Argument(1), c.Argument(2), c.Argument(3))
		}),
		"batch":               fn(func(c sobek.FunctionCall) sobek.Value { return mi.batch(c.Argument(0)) }),
		"file":                fn(mi.file),
		"cookieJar":           fn(mi.cookieJar),
		"CookieJar":           modules.Lazy(func() any { return mi.jarConstructor() }),
		"FileData":            modules.Lazy(func() any { return mi.fileConstructor() }),
		"url":                 fn(mi.urlTemplate),
		"expectedStatuses":    fn(mi.expectedStatuses),
		"setResponseCallback": fn(mi.setResponseCallback),

		"SSL_3_0": SSL30,
		"TLS_1_0": TLS10,
		"TLS_1_1": TLS11,
		"TLS_1_2": TLS12,
		"TLS_1_3": TLS13,

		"OCSP_STATUS_GOOD":                   "good",
		"OCSP_STATUS_REVOKED":                "revoked",
		"OCSP_STATUS_SERVER_FAILED":          "server_failed",
		"OCSP_STATUS_UNKNOWN":                "unknown",
		"OCSP_REASON_AA_COMPROMISE":          "aa_compromise",
		"OCSP_REASON_AFFILIATION_CHANGED":    "affiliation_changed",
		"OCSP_REASON_CA_COMPROMISE":          "ca_compromise",
		"OCSP_REASON_CERTIFICATE_HOLD":       "certificate_hold",
		"OCSP_REASON_CESSATION_OF_OPERATION": "cessation_of_operation",
		"OCSP_REASON_KEY_COMPROMISE":         "key_compromise",
		"OCSP_REASON_PRIVILEGE_WITHDRAWN":    "privilege_withdrawn",
		"OCSP_REASON_REMOVE_FROM_CRL":        "remove_from_crl",
		"OCSP_REASON_SUPERSEDED":             "superseded",
		"OCSP_REASON_UNSPECIFIED":            "unspecified",
	}
}

// jarConstructor returns CookieJar, made on first use.
func (mi *ModuleInstance) jarConstructor() *sobek.Object {
	if mi.jarCtor == nil {
		mi.jarCtor = mi.constructor("CookieJar", mi.newCookieJar, &mi.jarProto)
	}
	return mi.jarCtor
}

// fileConstructor returns FileData, made on first use.
func (mi *ModuleInstance) fileConstructor() *sobek.Object {
	if mi.fileCtor == nil {
		mi.fileCtor = mi.constructor("FileData", func(sobek.ConstructorCall) *sobek.Object {
			panic(mi.rt.NewTypeError("FileData cannot be constructed: use http.file(data, [filename], [contentType])"))
		}, &mi.fileProto)
	}
	return mi.fileCtor
}

// Requester returns k6/http's request(method, url, body, params) on vu for
// Go modules that send requests with JavaScript arguments and return
// k6/http Responses (k6/x/stripe's webhook), without building the module's
// exports.
func Requester(vu modules.VU) func(method string, url, body, params sobek.Value) sobek.Value {
	mi := &ModuleInstance{vu: vu, rt: vu.Runtime()}
	return mi.request
}

// constructor makes a JS class backed by a Go constructor and stores its
// prototype in *proto, so objects made with that prototype pass instanceof.
func (mi *ModuleInstance) constructor(name string, fn func(sobek.ConstructorCall) *sobek.Object, proto **sobek.Object) *sobek.Object {
	rt := mi.rt
	ctor := rt.ToValue(fn).(*sobek.Object)
	_ = ctor.DefineDataProperty("name", rt.ToValue(name), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	*proto = ctor.Get("prototype").ToObject(rt)
	return ctor
}

func (mi *ModuleInstance) method(v sobek.Value) string {
	if modules.IsNullish(v) {
		panic(mi.rt.NewTypeError("request: the method (first argument) is required"))
	}
	return v.String()
}

// throw raises err as a JS exception.
func (mi *ModuleInstance) throw(err error) {
	panic(mi.rt.NewGoError(err))
}

// client returns the VU's Client, throwing in the init context.
func (mi *ModuleInstance) client() *Client {
	c, err := ClientFor(mi.vu)
	if err != nil {
		mi.throw(err)
	}
	return c
}

// request is every synchronous verb: parse, send, wrap.
func (mi *ModuleInstance) request(method string, urlV, bodyV, paramsV sobek.Value) sobek.Value {
	c := mi.client()
	var req Request // read by Do only: it stays on the stack
	if err := mi.parseRequestInto(&req, method, urlV, bodyV, paramsV, false); err != nil {
		mi.throw(err)
	}
	// The Response is built in place inside its JS wrapper: one allocation.
	jr := &jsResponse{mi: mi, binary: req.ResponseType == ResponseBinary}
	if err := c.doInto(mi.vu.Context(), &req, &jr.resp); err != nil {
		mi.throw(err)
	}
	jr.r = &jr.resp
	return mi.wrapResponse(jr)
}

// asyncRequest is request() off the VU's goroutine; the Promise settles on it.
func (mi *ModuleInstance) asyncRequest(methodV, urlV, bodyV, paramsV sobek.Value) sobek.Value {
	rt := mi.rt
	p, resolve, reject := rt.NewPromise()
	c, err := ClientFor(mi.vu)
	var req *Request
	if err == nil {
		req, err = mi.parseRequest(mi.method(methodV), urlV, bodyV, paramsV, true)
	}
	if err != nil {
		_ = reject(rt.NewGoError(err))
		return rt.ToValue(p)
	}
	enqueue := mi.vu.RegisterCallback()
	ctx := mi.vu.Context()
	go func() {
		resp, err := c.Do(ctx, req)
		enqueue(func() error {
			if err != nil {
				return reject(rt.NewGoError(err))
			}
			return resolve(mi.newResponse(resp, req.ResponseType))
		})
	}()
	return rt.ToValue(p)
}

// expectedStatuses builds a response callback from statuses and {min, max} ranges.
func (mi *ModuleInstance) expectedStatuses(call sobek.FunctionCall) sobek.Value {
	es := &ExpectedStatuses{}
	for i, arg := range call.Arguments {
		bad := func() {
			panic(mi.rt.NewTypeError(fmt.Sprintf("expectedStatuses: argument %d must be an integer status or an object like {min: 200, max: 299}, got %s", i+1, describe(arg))))
		}
		if o, ok := arg.(*sobek.Object); ok && o.ClassName() == "Object" {
			minV, maxV := o.Get("min"), o.Get("max")
			lo, ok1 := intValue(minV)
			hi, ok2 := intValue(maxV)
			if !ok1 || !ok2 {
				bad()
			}
			es.Ranges = append(es.Ranges, StatusRange{Min: lo, Max: hi})
			continue
		}
		n, ok := intValue(arg)
		if !ok {
			bad()
		}
		es.Ranges = append(es.Ranges, StatusRange{Min: n, Max: n})
	}
	return mi.rt.ToValue(es)
}

// setResponseCallback sets the VU's default response callback; null turns it off.
func (mi *ModuleInstance) setResponseCallback(call sobek.FunctionCall) sobek.Value {
	cb, off, err := mi.callbackFrom(call.Argument(0))
	if err != nil {
		panic(mi.rt.NewTypeError(err.Error()))
	}
	mi.callback, mi.callbackOff = cb, off
	return sobek.Undefined()
}

func (mi *ModuleInstance) callbackFrom(v sobek.Value) (cb func(int) bool, off bool, err error) {
	if modules.IsNullish(v) {
		return nil, true, nil
	}
	if es, ok := v.Export().(*ExpectedStatuses); ok {
		return es.Expected, false, nil
	}
	return nil, false, errors.New("responseCallback: only the result of http.expectedStatuses() (or null) is supported")
}

// StatusRange is an inclusive range of statuses.
type StatusRange struct{ Min, Max int }

// ExpectedStatuses is what http.expectedStatuses() returns: the statuses a
// response callback accepts.
type ExpectedStatuses struct {
	Ranges []StatusRange
}

// Expected reports whether status is one of the expected statuses.
func (e *ExpectedStatuses) Expected(status int) bool {
	for _, r := range e.Ranges {
		if status >= r.Min && status <= r.Max {
			return true
		}
	}
	return false
}

func intValue(v sobek.Value) (int, bool) {
	if modules.IsNullish(v) {
		return 0, false
	}
	switch x := v.Export().(type) {
	case int64:
		return int(x), true
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) {
			return int(x), true
		}
	}
	return 0, false
}

func describe(v sobek.Value) string {
	if v == nil {
		return "undefined"
	}
	if _, ok := v.(*sobek.Object); ok {
		return "an object"
	}
	return fmt.Sprintf("%q", v.String())
}
