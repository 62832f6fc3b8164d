package execution

import (
	"encoding/json"

	"github.com/grafana/sobek"
)

// toJSValue converts v to a plain, frozen JavaScript value through JSON.
func toJSValue(rt *sobek.Runtime, v any) (sobek.Value, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	parse, _ := sobek.AssertFunction(rt.Get("JSON").ToObject(rt).Get("parse"))
	val, err := parse(sobek.Undefined(), rt.ToValue(string(b)))
	if err != nil {
		return nil, err
	}
	freeze(rt, val)
	return val, nil
}

func freeze(rt *sobek.Runtime, v sobek.Value) {
	o, ok := v.(*sobek.Object)
	if !ok {
		return
	}
	for _, k := range o.Keys() {
		freeze(rt, o.Get(k))
	}
	f, _ := sobek.AssertFunction(rt.Get("Object").ToObject(rt).Get("freeze"))
	_, _ = f(sobek.Undefined(), o)
}
