// Package smallmap is a map for the few entries a VU keeps by name (its
// modules, exported functions, scenarios): a list searched in order. A Go
// map costs ~250 bytes even for one entry, and 10,000 VUs keep several.
package smallmap

// Map maps strings to V. The zero Map is empty and ready to use. It is not
// safe for concurrent use.
type Map[V any] struct {
	e []entry[V]
}

type entry[V any] struct {
	k string
	v V
}

// Get returns the value of k and whether it is set. Map's methods are not
// inlined: their loops would grow the frames of VU functions that stay on
// the stack under every request (bench/stack_test.go).
//
//go:noinline
func (m *Map[V]) Get(k string) (V, bool) {
	for i := range m.e {
		if m.e[i].k == k {
			return m.e[i].v, true
		}
	}
	var zero V
	return zero, false
}

// Set sets k to v.
//
//go:noinline
func (m *Map[V]) Set(k string, v V) {
	for i := range m.e {
		if m.e[i].k == k {
			m.e[i].v = v
			return
		}
	}
	m.e = append(m.e, entry[V]{k, v})
}

// Delete removes k.
func (m *Map[V]) Delete(k string) {
	for i := range m.e {
		if m.e[i].k == k {
			m.e = append(m.e[:i], m.e[i+1:]...)
			return
		}
	}
}

// Len returns the number of entries.
func (m *Map[V]) Len() int { return len(m.e) }
