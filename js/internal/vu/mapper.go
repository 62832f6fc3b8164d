package vu

import (
	"reflect"
	"strings"
	"unicode"
)

// FieldNameMapper is how Go values appear in JavaScript on every VU:
// a struct field uses its `js:"name"` tag (`js:"-"` hides it), otherwise its
// name with the leading upper-case run lowered ("Status" -> "status",
// "URL" -> "url", "HTTPCode" -> "httpCode"); methods are renamed the same way
// ("Get" -> "get", "JSON" -> "json").
type FieldNameMapper struct{}

// FieldName returns the JavaScript name of a struct field.
func (FieldNameMapper) FieldName(_ reflect.Type, f reflect.StructField) string {
	if tag, ok := f.Tag.Lookup("js"); ok {
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			return ""
		}
		if name != "" {
			return name
		}
	}
	return Uncap(f.Name)
}

// MethodName returns the JavaScript name of a method.
func (FieldNameMapper) MethodName(_ reflect.Type, m reflect.Method) string {
	return Uncap(m.Name)
}

// Uncap lowers a Go identifier's leading capitals the way JavaScript names
// are written: "Get" -> "get", "URL" -> "url", "HTTPCode" -> "httpCode".
func Uncap(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == 1 || n == len(r):
		// "Get" -> "get", "URL" -> "url"
	default:
		n-- // "HTTPCode": keep the C of "Code"
	}
	for i := range n {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}
