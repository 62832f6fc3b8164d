package encoding

import (
	"fmt"
	"math/big"
	"reflect"

	"github.com/grafana/sobek"
)

// Bytes returns the bytes of a JavaScript value that k6 APIs accept as data:
// a string (its UTF-8 encoding), an ArrayBuffer, or a view on one (a typed
// array such as Uint8Array, or a DataView: the viewed bytes only). Other
// values (undefined, numbers, plain objects) are an error naming the type.
//
// The bytes of an ArrayBuffer or view share its memory: use them before
// running more JavaScript, or copy them.
func Bytes(rt *sobek.Runtime, v sobek.Value) ([]byte, error) {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return nil, fmt.Errorf("got %s, want a string or ArrayBuffer", describe(v))
	}
	if _, ok := v.(*sobek.Symbol); ok {
		return nil, fmt.Errorf("got a symbol, want a string or ArrayBuffer")
	}
	obj, ok := v.(*sobek.Object)
	if !ok {
		if x, ok := v.Export().(string); ok {
			return []byte(x), nil
		}
		return nil, fmt.Errorf("got %s, want a string or ArrayBuffer", describe(v))
	}
	// Look at the object's type before exporting it: exporting a plain
	// object would copy all of it into a Go map.
	if obj.ExportType() == arrayBufferType {
		if x, ok := obj.Export().(sobek.ArrayBuffer); ok {
			return x.Bytes(), nil
		}
	}
	// A view has an ArrayBuffer as its buffer; checking that first keeps
	// ArrayBuffer.isView (and the prototypes it needs) for likely views.
	var buf sobek.ArrayBuffer
	hasBuf := false
	if b := obj.Get("buffer"); b != nil {
		buf, hasBuf = b.Export().(sobek.ArrayBuffer)
	}
	if !hasBuf || !isView(rt, obj) {
		return nil, fmt.Errorf("got %s, want a string or ArrayBuffer", describe(v))
	}
	b := buf.Bytes()
	off, n := obj.Get("byteOffset").ToInteger(), obj.Get("byteLength").ToInteger()
	if off < 0 || n < 0 || off+n > int64(len(b)) {
		return nil, fmt.Errorf("the view's byteOffset %d and byteLength %d lie outside its %d-byte buffer", off, n, len(b))
	}
	return b[off : off+n], nil
}

var arrayBufferType = reflect.TypeFor[sobek.ArrayBuffer]()

// isView reports whether obj is an ArrayBuffer view (typed array or DataView).
func isView(rt *sobek.Runtime, obj *sobek.Object) bool {
	ab, ok := rt.Get("ArrayBuffer").(*sobek.Object)
	if !ok {
		return false
	}
	isViewFn, ok := sobek.AssertFunction(ab.Get("isView"))
	if !ok {
		return false
	}
	res, err := isViewFn(ab, obj)
	return err == nil && res.ToBoolean()
}

// describe names a value's type for error messages without printing the
// value itself (it may be a secret).
func describe(v sobek.Value) string {
	switch {
	case v == nil || sobek.IsUndefined(v):
		return "undefined"
	case sobek.IsNull(v):
		return "null"
	}
	if o, ok := v.(*sobek.Object); ok {
		if _, ok := sobek.AssertFunction(o); ok {
			return "a function"
		}
		if o.ClassName() == "Array" {
			return "an array"
		}
		return "an object"
	}
	if _, ok := v.(*sobek.Symbol); ok {
		return "a symbol"
	}
	switch v.Export().(type) {
	case int64, float64:
		return "a number"
	case bool:
		return "a boolean"
	case *big.Int:
		return "a bigint"
	case string:
		return "a string"
	}
	return "a value of another type"
}
