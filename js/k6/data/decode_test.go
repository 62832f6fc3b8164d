package data

import (
	"encoding/json"
	"testing"

	"github.com/grafana/sobek"
)

// parseBoth decodes text with the decoder and with JSON.parse and returns
// both re-serialised by JSON.stringify, plus whether the decoded value is
// deeply frozen.
func parseBoth(t *testing.T, rt *sobek.Runtime, text string) (ours, theirs string, frozen bool) {
	t.Helper()
	obj := rt.Get("Object").ToObject(rt)
	freeze, _ := sobek.AssertFunction(obj.Get("freeze"))
	prevent, _ := sobek.AssertFunction(obj.Get("preventExtensions"))
	d := decoder{rt: rt, freeze: freeze, preventExtensions: prevent}
	v, err := d.decode(text)
	if err != nil {
		t.Fatalf("decode(%q): %v", text, err)
	}
	check, err := rt.RunString(`(function (v) {
		const frozen = (o) => o === null || typeof o !== "object" || (Object.isFrozen(o) && Object.keys(o).every(k => frozen(o[k])));
		return [JSON.stringify(v), frozen(v), Object.getPrototypeOf(v ?? {}) === (Array.isArray(v) ? Array.prototype : Object.prototype) || typeof v !== "object"];
	})`)
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := sobek.AssertFunction(check)
	res, err := fn(sobek.Undefined(), v)
	if err != nil {
		t.Fatal(err)
	}
	out := res.Export().([]any)
	if out[2] != true {
		t.Fatalf("decode(%q) has the wrong prototype", text)
	}
	parsed, err := rt.RunString("JSON.stringify(JSON.parse(" + strconvQuote(text) + "))")
	if err != nil {
		t.Fatal(err)
	}
	return out[0].(string), parsed.String(), out[1].(bool)
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestDecoderMatchesJSONParse(t *testing.T) {
	for _, text := range []string{
		`0`, `-0`, `42`, `-17`, `9007199254740993`, `1.5`, `-2.5e-7`, `1e21`, `123456789012345678901234567890`,
		`true`, `false`, `null`, `""`, `"plain"`, `"ä€😀"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e4\ud83d\ude00"`, `"\u0000"`,
		`[]`, `{}`, `[1,[2,[3,{}]]]`, `{"a":{"b":{"c":[1,"x",null]}}}`, ` { "sp" : [ 1 , 2 ] } `,
		`{"__proto__":{"polluted":true},"k":1}`, `{"a":1,"a":2}`, `{"":"empty key","1":"numeric key"}`,
	} {
		t.Run(text, func(t *testing.T) {
			rt := sobek.New()
			ours, theirs, frozen := parseBoth(t, rt, text)
			if ours != theirs {
				t.Fatalf("decoded %q as %s, JSON.parse gives %s", text, ours, theirs)
			}
			if !frozen {
				t.Fatalf("decoded %q is not deeply frozen", text)
			}
		})
	}
	t.Run("__proto__ is an own property", func(t *testing.T) {
		rt := sobek.New()
		obj := rt.Get("Object").ToObject(rt)
		freeze, _ := sobek.AssertFunction(obj.Get("freeze"))
		prevent, _ := sobek.AssertFunction(obj.Get("preventExtensions"))
		d := decoder{rt: rt, freeze: freeze, preventExtensions: prevent}
		v, err := d.decode(`{"__proto__":{"polluted":true}}`)
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.Set("v", v); err != nil {
			t.Fatal(err)
		}
		res, err := rt.RunString(`Object.getOwnPropertyNames(v).join() + ":" + ({}).polluted + ":" + v.polluted`)
		if err != nil {
			t.Fatal(err)
		}
		if res.String() != "__proto__:undefined:undefined" {
			t.Fatalf("got %s", res)
		}
	})
	for _, bad := range []string{``, `[1,`, `{"a"}`, `{"a":1`, `"abc`, `tru`, `[1 2]`, `1 2`, `{a:1}`, `-`} {
		t.Run("malformed "+bad, func(t *testing.T) {
			rt := sobek.New()
			freeze, _ := sobek.AssertFunction(rt.Get("Object").ToObject(rt).Get("freeze"))
			d := decoder{rt: rt, freeze: freeze, preventExtensions: freeze}
			if _, err := d.decode(bad); err == nil {
				t.Fatalf("decode(%q) did not fail", bad)
			}
		})
	}
}

// FuzzDecoder checks the decoder against JSON.parse on any valid JSON.
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x\u00e4",null,true]}`, `"\ud83d\ude00"`, `-0.0e+1`, `[[],{}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !json.Valid([]byte(text)) {
			return
		}
		rt := sobek.New()
		if _, err := rt.RunString("JSON.parse(" + strconvQuote(text) + ")"); err != nil {
			return // sobek's JSON.parse rejects it too (e.g. invalid UTF-8 handling): out of scope
		}
		ours, theirs, frozen := parseBoth(t, rt, text)
		if ours != theirs || !frozen {
			t.Fatalf("decoded %q as %s (frozen %v), JSON.parse gives %s", text, ours, frozen, theirs)
		}
	})
}
