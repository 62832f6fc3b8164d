package data

import (
	"runtime"
	"sync"
	"unsafe"
	"weak"

	"github.com/stampede-load/stampede/metrics"
)

// shared is one SharedArray's data: the JSON text of every element, back to
// back in buf, element i being buf[offs[i]:offs[i+1]]. It is immutable once
// built and read concurrently by every VU.
type shared struct {
	buf  []byte
	offs []int
}

// Len returns the number of elements.
func (s *shared) Len() int { return len(s.offs) - 1 }

// JSON returns element i's JSON text without copying (buf never changes).
func (s *shared) JSON(i int) string {
	b := s.buf[s.offs[i]:s.offs[i+1]]
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Size returns the bytes the data occupies.
func (s *shared) Size() int { return cap(s.buf) + cap(s.offs)*int(unsafe.Sizeof(0)) }

// entry is a store slot; mu is held while the first VU builds the data.
type entry struct {
	mu   sync.Mutex
	data *shared // nil until built
}

type key struct {
	run  weak.Pointer[metrics.Registry] // zero when the VU has no registry
	name string
}

// store holds every SharedArray of the process, by test run and name.
var store = struct {
	mu      sync.Mutex
	entries map[key]*entry
}{entries: make(map[key]*entry)}

// slot returns the entry for name in the test run identified by run (nil for
// "no run"), creating it on first use. An entry of a run is removed when the
// run's registry is garbage collected.
func slot(run *metrics.Registry, name string) *entry {
	k := key{name: name}
	if run != nil {
		k.run = weak.Make(run)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	e, ok := store.entries[k]
	if !ok {
		e = &entry{}
		store.entries[k] = e
		if run != nil {
			runtime.AddCleanup(run, forget, k)
		}
	}
	return e
}

func forget(k key) {
	store.mu.Lock()
	delete(store.entries, k)
	store.mu.Unlock()
}

// storeLen returns the number of entries (for tests).
func storeLen() int {
	store.mu.Lock()
	defer store.mu.Unlock()
	return len(store.entries)
}
