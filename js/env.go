package js

import (
	"maps"
	"slices"

	"github.com/grafana/sobek"
)

// envObject is a VU's __ENV: the run's environment (with the system's
// variables that is often dozens of entries), shared read-only by every
// VU, under this VU's own changes. Copying it into each VU's runtime cost
// ~5 KB per VU.
type envObject struct {
	rt      *sobek.Runtime
	base    map[string]string      // the run's env, shared: never written
	keys    []string               // base's keys, sorted, shared
	set     map[string]sobek.Value // this VU's assignments
	deleted map[string]struct{}    // base keys this VU deleted
}

// sortedKeys returns env's keys in order, for the VUs' envObjects to share.
func sortedKeys(env map[string]string) []string {
	return slices.Sorted(maps.Keys(env))
}

func (e *envObject) Get(key string) sobek.Value {
	if v, ok := e.set[key]; ok {
		return v
	}
	if _, gone := e.deleted[key]; gone {
		return nil
	}
	if v, ok := e.base[key]; ok {
		return e.rt.ToValue(v)
	}
	return nil
}

func (e *envObject) Set(key string, val sobek.Value) bool {
	if e.set == nil {
		e.set = make(map[string]sobek.Value, 2)
	}
	e.set[key] = val
	delete(e.deleted, key)
	return true
}

func (e *envObject) Has(key string) bool {
	return e.Get(key) != nil
}

func (e *envObject) Delete(key string) bool {
	delete(e.set, key)
	if _, ok := e.base[key]; ok {
		if e.deleted == nil {
			e.deleted = make(map[string]struct{}, 1)
		}
		e.deleted[key] = struct{}{}
	}
	return true
}

// reset undoes this VU's change to key: the run's value again, if any.
func (e *envObject) reset(key string) {
	delete(e.set, key)
	delete(e.deleted, key)
}

// Keys lists the run's variables this VU did not delete, in order, then
// the ones it added.
func (e *envObject) Keys() []string {
	out := make([]string, 0, len(e.keys)+len(e.set))
	for _, k := range e.keys {
		if _, gone := e.deleted[k]; !gone {
			out = append(out, k)
		}
	}
	var added []string
	for k := range e.set {
		if _, inBase := e.base[k]; !inBase {
			added = append(added, k)
		}
	}
	slices.Sort(added)
	return append(out, added...)
}
