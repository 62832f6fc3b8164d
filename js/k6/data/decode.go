package data

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/grafana/sobek"
)

// decoder turns one element's JSON text (always produced by JSON.stringify,
// so well formed) into deep-frozen JavaScript values of a VU's runtime. It is
// much faster than calling JSON.parse and a JavaScript deep-freeze: no
// encoding/json token stream and no interpreted recursion.
type decoder struct {
	rt *sobek.Runtime
	// Object.freeze and Object.preventExtensions as they were when the VU
	// first used SharedArray.
	freeze, preventExtensions sobek.Callable
	s                         string
	i                         int
	members                   []member // scratch stack of object members
}

func (d *decoder) decode(s string) (sobek.Value, error) {
	d.s, d.i = s, 0
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	d.space()
	if d.i != len(d.s) {
		return nil, d.errorf("unexpected data after the value")
	}
	return v, nil
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("SharedArray element JSON at offset %d: %s", d.i, fmt.Sprintf(format, args...))
}

func (d *decoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value() (sobek.Value, error) {
	d.space()
	if d.i >= len(d.s) {
		return nil, d.errorf("unexpected end")
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return d.rt.ToValue(s), nil
	case c == 't':
		return d.literal("true", sobek.Value(d.rt.ToValue(true)))
	case c == 'f':
		return d.literal("false", sobek.Value(d.rt.ToValue(false)))
	case c == 'n':
		return d.literal("null", sobek.Null())
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	default:
		return nil, d.errorf("unexpected character %q", c)
	}
}

func (d *decoder) literal(word string, v sobek.Value) (sobek.Value, error) {
	if len(d.s)-d.i < len(word) || d.s[d.i:d.i+len(word)] != word {
		return nil, d.errorf("bad literal")
	}
	d.i += len(word)
	return v, nil
}

func (d *decoder) number() (sobek.Value, error) {
	start := d.i
	integer := true
	for d.i < len(d.s) {
		c := d.s[d.i]
		if '0' <= c && c <= '9' || c == '-' {
			d.i++
			continue
		}
		if c == '.' || c == 'e' || c == 'E' || c == '+' {
			integer = false
			d.i++
			continue
		}
		break
	}
	text := d.s[start:d.i]
	if integer && len(text) < 16 {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil && text != "-0" {
			return d.rt.ToValue(n), nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, d.errorf("bad number %q", text)
	}
	return d.rt.ToValue(f), nil
}

// str reads a JSON string starting at its opening quote.
func (d *decoder) str() (string, error) {
	d.i++ // opening quote
	start := d.i
	for d.i < len(d.s) {
		switch c := d.s[d.i]; {
		case c == '"':
			s := d.s[start:d.i]
			d.i++
			return s, nil
		case c == '\\':
			return d.escapedStr(start - 1)
		default:
			d.i++
		}
	}
	return "", d.errorf("unterminated string")
}

// escapedStr reads a string with escapes (from its opening quote at start)
// with encoding/json, which handles \uXXXX and surrogate pairs.
func (d *decoder) escapedStr(start int) (string, error) {
	d.i = start + 1
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case '\\':
			d.i += 2
		case '"':
			d.i++
			var s string
			if err := json.Unmarshal([]byte(d.s[start:d.i]), &s); err != nil {
				return "", d.errorf("bad string: %v", err)
			}
			return s, nil
		default:
			d.i++
		}
	}
	return "", d.errorf("unterminated string")
}

type member struct {
	key string
	val sobek.Value
}

func (d *decoder) object() (sobek.Value, error) {
	d.i++ // {
	obj := d.rt.NewObject()
	d.space()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return d.frozen(obj)
	}
	// Members collect on a stack shared by nested objects, so that a
	// repeated key keeps its first position and its last value (as in
	// JSON.parse) before the properties are defined read-only.
	base := len(d.members)
	defer func() { d.members = d.members[:base] }()
	for {
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, d.errorf("want a property name")
		}
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, d.errorf("want ':'")
		}
		d.i++
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		dup := false
		for j := base; j < len(d.members); j++ {
			if d.members[j].key == key {
				d.members[j].val, dup = v, true
				break
			}
		}
		if !dup {
			d.members = append(d.members, member{key, v})
		}
		d.space()
		if d.i >= len(d.s) {
			return nil, d.errorf("unterminated object")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			for _, m := range d.members[base:] {
				// Define, not Set: a "__proto__" key becomes an own
				// property, as JSON.parse makes it. Read-only and
				// non-configurable already, so sealing the object
				// afterwards makes it frozen.
				if err := obj.DefineDataProperty(m.key, m.val, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE); err != nil {
					return nil, err
				}
			}
			return d.sealed(obj)
		default:
			return nil, d.errorf("want ',' or '}'")
		}
	}
}

func (d *decoder) array() (sobek.Value, error) {
	d.i++ // [
	var items []any
	d.space()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return d.frozen(d.rt.NewArray())
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		d.space()
		if d.i >= len(d.s) {
			return nil, d.errorf("unterminated array")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return d.frozen(d.rt.NewArray(items...))
		default:
			return nil, d.errorf("want ',' or ']'")
		}
	}
}

// frozen freezes o with Object.freeze.
func (d *decoder) frozen(o *sobek.Object) (sobek.Value, error) {
	return d.freeze(sobek.Undefined(), o)
}

// sealed makes o non-extensible; with read-only, non-configurable properties
// that is frozen, without Object.freeze redefining every property again.
func (d *decoder) sealed(o *sobek.Object) (sobek.Value, error) {
	return d.preventExtensions(sobek.Undefined(), o)
}
