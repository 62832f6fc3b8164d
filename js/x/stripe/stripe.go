package stripe

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/k6/encoding"
	k6http "github.com/stampede-load/stampede/js/k6/http"
	"github.com/stampede-load/stampede/js/modules"
	stripelib "github.com/stampede-load/stampede/stripe"
)

func init() { modules.Register("k6/x/stripe", New()) }

// RootModule is the k6/x/stripe module.
type RootModule struct{}

// New returns the k6/x/stripe module.
func New() *RootModule { return &RootModule{} }

// Stripe is one VU's k6/x/stripe instance. Its functions run on the VU's goroutine.
type Stripe struct {
	vu modules.VU
	rt *sobek.Runtime

	// The signer of the last secret used: scripts sign with one secret over
	// and over, so its keyed HMAC state is kept.
	signer       *stripelib.Signer
	signerSecret stripelib.Secret

	stringify sobek.Callable                                                 // JSON.stringify, taken on first use
	request   func(method string, url, body, params sobek.Value) sobek.Value // k6/http's request on this VU, made on first use

	// now is the clock (tests pin it).
	now func() time.Time
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*Stripe)(nil)
)

// NewModuleInstance returns the VU's instance.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	return &Stripe{vu: vu, rt: vu.Runtime(), now: time.Now}
}

// Exports returns the module's functions and constants. The functions are
// Go values: the runtime turns each into a JS function when the script
// first reads it, so a VU pays only for the functions its script uses.
func (s *Stripe) Exports() modules.Exports { return modules.Exports{Table: exports.For(s)} }

var exports = modules.ExportTable[*Stripe]{
	"SIGNATURE_HEADER":          func(*Stripe) any { return stripelib.SignatureHeader },
	"DEFAULT_API_VERSION":       func(*Stripe) any { return stripelib.DefaultAPIVersion },
	"DEFAULT_TOLERANCE_SECONDS": func(*Stripe) any { return int64(stripelib.DefaultTolerance / time.Second) },

	"signature":              func(s *Stripe) any { return s.signature },
	"sign":                   func(s *Stripe) any { return s.sign },
	"verify":                 func(s *Stripe) any { return s.verify },
	"event":                  func(s *Stripe) any { return s.event },
	"checkoutCompleted":      func(s *Stripe) any { return s.checkoutCompleted },
	"paymentIntentSucceeded": func(s *Stripe) any { return s.paymentIntentSucceeded },
	"webhook":                func(s *Stripe) any { return s.webhook },
}

// ---- argument helpers ------------------------------------------------------

// throw raises "<fn>: <err>" as a JS Error.
func (s *Stripe) throw(fn string, err error) {
	panic(s.rt.NewGoError(fmt.Errorf("%s: %w", fn, err)))
}

// typeError raises "<fn>: <msg>" as a JS TypeError.
func (s *Stripe) typeError(fn, format string, args ...any) {
	panic(s.rt.NewTypeError(fn + ": " + fmt.Sprintf(format, args...)))
}

// secret reads a secret argument: a string (or ArrayBuffer). Nothing about
// its value reaches an error message.
func (s *Stripe) secret(fn, what string, v sobek.Value) stripelib.Secret {
	if modules.IsNullish(v) {
		s.throw(fn, fmt.Errorf("%s%w", what, stripelib.ErrEmptySecret))
	}
	b, err := encoding.Bytes(s.rt, v)
	if err != nil {
		s.typeError(fn, "%sthe stripe webhook secret must be a string", what)
	}
	if len(b) == 0 {
		s.throw(fn, fmt.Errorf("%s%w", what, stripelib.ErrEmptySecret))
	}
	return stripelib.Secret(b)
}

func (s *Stripe) signerFor(secret stripelib.Secret) *stripelib.Signer {
	if s.signer == nil || s.signerSecret != secret {
		signer, err := stripelib.NewSigner(secret)
		if err != nil {
			panic(err) // secret() rejected empty secrets already
		}
		s.signer, s.signerSecret = signer, secret
	}
	return s.signer
}

func (s *Stripe) jsonStringify(v sobek.Value) (sobek.Value, error) {
	if s.stringify == nil {
		json, ok := s.rt.Get("JSON").(*sobek.Object)
		if !ok {
			return nil, errors.New("JSON is not available")
		}
		f, ok := sobek.AssertFunction(json.Get("stringify"))
		if !ok {
			return nil, errors.New("JSON.stringify is not a function")
		}
		s.stringify = f
	}
	return s.stringify(sobek.Undefined(), v)
}

// payload returns the bytes to sign and the value to send as the body: a
// string or ArrayBuffer as given (a view becomes a copy of its bytes), or an
// object serialised with JSON.stringify.
func (s *Stripe) payload(fn string, v sobek.Value) ([]byte, sobek.Value) {
	if b, err := encoding.Bytes(s.rt, v); err == nil {
		if _, isBuf := v.Export().(sobek.ArrayBuffer); isBuf || isString(v) {
			return b, v
		}
		c := append([]byte(nil), b...) // a view: send exactly its bytes
		return c, s.rt.ToValue(s.rt.NewArrayBuffer(c))
	}
	if o, ok := v.(*sobek.Object); ok && o.ClassName() != "Array" {
		if _, isFn := sobek.AssertFunction(o); !isFn {
			js, err := s.jsonStringify(o)
			if err != nil {
				s.throw(fn, fmt.Errorf("the event cannot be serialised as JSON: %w", err))
			}
			return []byte(js.String()), js
		}
	}
	s.typeError(fn, "the payload must be a string, an ArrayBuffer or an event object")
	return nil, nil
}

func isString(v sobek.Value) bool {
	_, ok := v.Export().(string)
	_, isObj := v.(*sobek.Object)
	return ok && !isObj
}

// unixSeconds reads a timestamp: whole Unix seconds or a Date; nullish means now.
func (s *Stripe) unixSeconds(fn, what string, v sobek.Value) int64 {
	if modules.IsNullish(v) {
		return s.now().Unix()
	}
	if o, ok := v.(*sobek.Object); ok && o.ClassName() == "Date" {
		if t, ok := o.Export().(time.Time); ok {
			return int64(math.Floor(float64(t.UnixMilli()) / 1000))
		}
	}
	f := v.ToFloat()
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		s.typeError(fn, "%s %s is not a whole number of Unix seconds (or a Date)", what, v.String())
	}
	return int64(f)
}

// options returns v as an object whose keys are all in allowed; nullish gives nil.
func (s *Stripe) options(fn, what string, v sobek.Value, allowed ...string) *sobek.Object {
	if modules.IsNullish(v) {
		return nil
	}
	o, ok := v.(*sobek.Object)
	if !ok || o.ClassName() == "Array" {
		s.typeError(fn, "%s must be an object", what)
	}
	for _, k := range o.Keys() {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
				break
			}
		}
		if !found {
			s.typeError(fn, "unknown %s field %q: want %s", what, k, strings.Join(allowed, ", "))
		}
	}
	return o
}

func get(o *sobek.Object, key string) sobek.Value {
	if o == nil {
		return nil
	}
	return o.Get(key)
}

// ---- signatures ------------------------------------------------------------

// signature(payload, secret, timestamp) -> hex HMAC-SHA256 of "<t>.<payload>".
func (s *Stripe) signature(c sobek.FunctionCall) sobek.Value {
	const fn = "signature"
	body, _ := s.payload(fn, c.Argument(0))
	secret := s.secret(fn, "", c.Argument(1))
	ts := s.unixSeconds(fn, "timestamp", c.Argument(2))
	return s.rt.ToValue(s.signerFor(secret).Signature(body, ts))
}

// signHeader builds the header for body from sign()'s options object.
func (s *Stripe) signHeader(fn string, body []byte, secret stripelib.Secret, ts int64, scheme sobek.Value, rotated sobek.Value) string {
	opts := stripelib.SignOptions{Timestamp: time.Unix(ts, 0)}
	if !modules.IsNullish(scheme) {
		opts.Scheme = scheme.String()
	}
	if !modules.IsNullish(rotated) {
		ro, ok := rotated.(*sobek.Object)
		if !ok || ro.ClassName() != "Array" {
			s.typeError(fn, "rotated must be an array of secrets")
		}
		n := int(ro.Get("length").ToInteger())
		for i := range n {
			opts.Rotated = append(opts.Rotated, s.secret(fn, fmt.Sprintf("rotated secret %d: ", i), ro.Get(fmt.Sprint(i))))
		}
	}
	if len(opts.Rotated) == 0 && (opts.Scheme == "" || opts.Scheme == stripelib.SchemeV1) {
		h, err := s.signerFor(secret).Header(body, ts, "")
		if err != nil {
			s.throw(fn, err)
		}
		return h
	}
	h, err := stripelib.Sign(body, secret, opts)
	if err != nil {
		s.throw(fn, err)
	}
	return h
}

// sign(payload, secret, {timestamp?, scheme?, rotated?}) -> Stripe-Signature value.
func (s *Stripe) sign(c sobek.FunctionCall) sobek.Value {
	const fn = "sign"
	body, _ := s.payload(fn, c.Argument(0))
	secret := s.secret(fn, "", c.Argument(1))
	o := s.options(fn, "option", c.Argument(2), "timestamp", "scheme", "rotated")
	ts := s.unixSeconds(fn, "timestamp", get(o, "timestamp"))
	return s.rt.ToValue(s.signHeader(fn, body, secret, ts, get(o, "scheme"), get(o, "rotated")))
}

// verify(payload, header, secret, {tolerance?}) -> true, or throws the reason.
func (s *Stripe) verify(c sobek.FunctionCall) sobek.Value {
	const fn = "verify"
	body, _ := s.payload(fn, c.Argument(0))
	header := ""
	if h := c.Argument(1); !modules.IsNullish(h) {
		header = h.String()
	}
	secret := s.secret(fn, "", c.Argument(2))
	o := s.options(fn, "option", c.Argument(3), "tolerance")
	opts := stripelib.VerifyOptions{Now: s.now}
	if tol := get(o, "tolerance"); !modules.IsNullish(tol) {
		f := tol.ToFloat()
		if f > 0 && !math.IsInf(f, 0) {
			opts.Tolerance = time.Duration(math.Floor(f)) * time.Second
		}
	}
	if err := s.signerFor(secret).Verify(body, header, opts); err != nil {
		s.throw(fn, err)
	}
	return s.rt.ToValue(true)
}

// ---- events ----------------------------------------------------------------

var eventFields = []string{"id", "created", "apiVersion", "livemode"}

func (s *Stripe) eventOptions(fn string, o *sobek.Object) stripelib.EventOptions {
	opts := stripelib.EventOptions{Now: s.now}
	if v := get(o, "id"); !modules.IsNullish(v) {
		opts.ID = v.String()
	}
	if v := get(o, "created"); !modules.IsNullish(v) {
		opts.Created = time.Unix(s.unixSeconds(fn, "created", v), 0)
	}
	if v := get(o, "apiVersion"); !modules.IsNullish(v) {
		opts.APIVersion = v.String()
	}
	if v := get(o, "livemode"); v != nil {
		opts.Livemode = v.ToBoolean()
	}
	return opts
}

// toJS turns an Event into a plain JS object; object, when non-nil, is put
// in data.object as is (by reference), else the event's own object is used.
func (s *Stripe) toJS(fn string, ev *stripelib.Event, object sobek.Value) sobek.Value {
	rt := s.rt
	if object == nil {
		b, err := json.Marshal(ev.Data.Object)
		if err != nil {
			s.throw(fn, err)
		}
		parse, _ := sobek.AssertFunction(rt.Get("JSON").ToObject(rt).Get("parse"))
		v, err := parse(sobek.Undefined(), rt.ToValue(string(b)))
		if err != nil {
			s.throw(fn, err)
		}
		object = v
	}
	data := rt.NewObject()
	_ = data.Set("object", object)
	request := rt.NewObject()
	_ = request.Set("id", sobek.Null())
	_ = request.Set("idempotency_key", sobek.Null())
	out := rt.NewObject()
	_ = out.Set("id", ev.ID)
	_ = out.Set("object", ev.Object)
	_ = out.Set("api_version", ev.APIVersion)
	_ = out.Set("created", ev.Created)
	_ = out.Set("data", data)
	_ = out.Set("livemode", ev.Livemode)
	_ = out.Set("pending_webhooks", ev.PendingWebhooks)
	_ = out.Set("request", request)
	_ = out.Set("type", ev.Type)
	return out
}

// event(type, object, {id?, created?, apiVersion?, livemode?}) -> event object.
func (s *Stripe) event(c sobek.FunctionCall) sobek.Value {
	const fn = "event"
	typ := ""
	if v := c.Argument(0); !modules.IsNullish(v) {
		typ = v.String()
	}
	object := c.Argument(1)
	if modules.IsNullish(object) {
		object = s.rt.NewObject()
	} else if _, ok := object.(*sobek.Object); !ok {
		s.typeError(fn, "the object (second argument) must be an object")
	}
	o := s.options(fn, "option", c.Argument(2), eventFields...)
	ev, err := stripelib.NewEvent(typ, nil, s.eventOptions(fn, o))
	if err != nil {
		s.throw(fn, err)
	}
	return s.toJS(fn, ev, object)
}

// purchase reads the builders' argument.
func (s *Stripe) purchase(fn string, v sobek.Value, amountKey string) stripelib.Purchase {
	o := s.options(fn, "purchase", v, append([]string{"userId", "tokens", amountKey, "currency", "metadata"}, eventFields...)...)
	var p stripelib.Purchase
	if u := get(o, "userId"); !modules.IsNullish(u) {
		p.UserID = u.String()
	}
	if p.UserID == "" {
		s.throw(fn, fmt.Errorf("%w: userId is required", stripelib.ErrInvalidEvent))
	}
	p.Tokens = s.wholeNumber(fn, "tokens", get(o, "tokens"), true)
	if a := get(o, amountKey); !modules.IsNullish(a) {
		n := s.wholeNumber(fn, amountKey, a, false)
		p.Amount = &n
	}
	if cur := get(o, "currency"); !modules.IsNullish(cur) {
		p.Currency = cur.String()
	}
	if md := get(o, "metadata"); !modules.IsNullish(md) {
		mo, ok := md.(*sobek.Object)
		if !ok {
			s.typeError(fn, "metadata must be an object of strings")
		}
		p.Metadata = make(map[string]string)
		for _, k := range mo.Keys() {
			p.Metadata[k] = mo.Get(k).String()
		}
	}
	p.Event = s.eventOptions(fn, o)
	return p
}

func (s *Stripe) wholeNumber(fn, what string, v sobek.Value, required bool) int64 {
	if modules.IsNullish(v) {
		if required {
			s.typeError(fn, "%s is required (a whole number)", what)
		}
		return 0
	}
	f := v.ToFloat()
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		s.typeError(fn, "%s %s is not a whole number", what, v.String())
	}
	return int64(f)
}

// checkoutCompleted({userId, tokens, amountTotal?, currency?, metadata?, id?, created?, apiVersion?, livemode?}).
func (s *Stripe) checkoutCompleted(c sobek.FunctionCall) sobek.Value {
	const fn = "checkoutCompleted"
	ev, err := stripelib.CheckoutCompleted(s.purchase(fn, c.Argument(0), "amountTotal"))
	if err != nil {
		s.throw(fn, err)
	}
	return s.toJS(fn, ev, nil)
}

// paymentIntentSucceeded({userId, tokens, amount?, currency?, metadata?, id?, created?, apiVersion?, livemode?}).
func (s *Stripe) paymentIntentSucceeded(c sobek.FunctionCall) sobek.Value {
	const fn = "paymentIntentSucceeded"
	ev, err := stripelib.PaymentIntentSucceeded(s.purchase(fn, c.Argument(0), "amount"))
	if err != nil {
		s.throw(fn, err)
	}
	return s.toJS(fn, ev, nil)
}

// ---- delivery --------------------------------------------------------------

// webhook(url, event, secret, params?) signs event and POSTs it through
// k6/http's request with params (k6/http params, plus timestamp and scheme
// for the signature). Headers: Content-Type application/json unless params
// set one, the params' headers, and Stripe-Signature (always ours). Returns
// the k6/http Response.
func (s *Stripe) webhook(c sobek.FunctionCall) sobek.Value {
	const fn = "webhook"
	rt := s.rt
	url := c.Argument(0)
	secret := s.secret(fn, "", c.Argument(2))
	body, bodyV := s.payload(fn, c.Argument(1))

	params := rt.NewObject()
	var ts int64
	var scheme sobek.Value
	if p := c.Argument(3); !modules.IsNullish(p) {
		po, ok := p.(*sobek.Object)
		if !ok {
			s.typeError(fn, "params must be an object")
		}
		for _, k := range po.Keys() {
			switch k {
			case "timestamp", "scheme":
			default:
				_ = params.Set(k, po.Get(k))
			}
		}
		ts = s.unixSeconds(fn, "timestamp", po.Get("timestamp"))
		scheme = po.Get("scheme")
	} else {
		ts = s.now().Unix()
	}
	headers := rt.NewObject()
	hasContentType := false
	if h := params.Get("headers"); !modules.IsNullish(h) {
		ho, ok := h.(*sobek.Object)
		if !ok {
			s.typeError(fn, "params.headers must be an object")
		}
		for _, k := range ho.Keys() {
			switch {
			case strings.EqualFold(k, stripelib.SignatureHeader):
				continue // ours wins
			case strings.EqualFold(k, "Content-Type"):
				hasContentType = true
			}
			_ = headers.Set(k, ho.Get(k))
		}
	}
	if !hasContentType {
		_ = headers.Set("Content-Type", "application/json")
	}
	_ = headers.Set(stripelib.SignatureHeader, s.signHeader(fn, body, secret, ts, scheme, nil))
	_ = params.Set("headers", headers)

	if s.request == nil {
		s.request = k6http.Requester(s.vu)
	}
	// k6/http's own exceptions (e.g. with the throw option) propagate as is.
	return s.request("POST", url, bodyV, params)
}
