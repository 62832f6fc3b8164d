package http

import "sync"

// sharedCache is a cache for every VU of the process, of things VUs would
// otherwise each keep a copy of (a script's few URLs parsed, the tag sets of
// its requests): read under a read lock, so VUs on different cores do not
// queue for it. Values must never be modified once put. Past max entries it
// starts again: a script that makes ever new keys gains nothing from it.
type sharedCache[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]V
	max int
}

func (c *sharedCache[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *sharedCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[K]V, 64)
	}
	c.m[k] = v
	c.mu.Unlock()
}
