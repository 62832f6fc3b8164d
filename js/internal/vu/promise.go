package vu

import "github.com/grafana/sobek"

// HandlePromise returns v's *sobek.Promise when v is a promise, after
// attaching a no-op rejection handler so the event loop does not report its
// rejection as unhandled: the caller reads the settled state itself (an
// iteration's returned promise). It returns nil for other values.
func HandlePromise(rt *sobek.Runtime, v sobek.Value) *sobek.Promise {
	o, ok := v.(*sobek.Object)
	if !ok {
		return nil
	}
	p, ok := o.Export().(*sobek.Promise)
	if !ok {
		return nil
	}
	if then, ok := sobek.AssertFunction(o.Get("then")); ok {
		noop := rt.ToValue(func(sobek.FunctionCall) sobek.Value { return sobek.Undefined() })
		_, _ = then(o, sobek.Undefined(), noop)
	}
	return p
}
