package sobek

import "github.com/grafana/sobek/unistring"

// propMapSmall is the number of string-keyed own properties an object keeps
// in a slice, searched linearly, before it moves them into a Go map. Most
// objects (functions with their length and name, small literals, module
// exports) stay below it; a map with its first group costs ~340 bytes even
// for two entries, the slice 32 bytes per entry.
const propMapSmall = 8

type propEntry struct {
	name  unistring.String
	value Value
}

// propMap holds an object's string-keyed own properties (values and
// property descriptors). The zero value is an empty map. Iteration order is
// kept by baseObject.propNames, not here.
type propMap struct {
	small []propEntry
	big   map[unistring.String]Value
}

func (m *propMap) lookup(name unistring.String) (Value, bool) {
	if m.big != nil {
		v, ok := m.big[name]
		return v, ok
	}
	for i := range m.small {
		if m.small[i].name == name {
			return m.small[i].value, true
		}
	}
	return nil, false
}

func (m *propMap) get(name unistring.String) Value {
	v, _ := m.lookup(name)
	return v
}

func (m *propMap) has(name unistring.String) bool {
	_, ok := m.lookup(name)
	return ok
}

func (m *propMap) set(name unistring.String, v Value) {
	if m.big != nil {
		m.big[name] = v
		return
	}
	for i := range m.small {
		if m.small[i].name == name {
			m.small[i].value = v
			return
		}
	}
	if len(m.small) < propMapSmall {
		if m.small == nil {
			m.small = make([]propEntry, 0, 2)
		}
		m.small = append(m.small, propEntry{name: name, value: v})
		return
	}
	big := make(map[unistring.String]Value, 2*propMapSmall)
	for _, e := range m.small {
		big[e.name] = e.value
	}
	big[name] = v
	m.big = big
	m.small = nil
}

func (m *propMap) del(name unistring.String) {
	if m.big != nil {
		delete(m.big, name)
		return
	}
	for i := range m.small {
		if m.small[i].name == name {
			last := len(m.small) - 1
			copy(m.small[i:], m.small[i+1:])
			m.small[last] = propEntry{}
			m.small = m.small[:last]
			return
		}
	}
}

func (m *propMap) len() int {
	if m.big != nil {
		return len(m.big)
	}
	return len(m.small)
}
