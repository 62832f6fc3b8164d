package metrics

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Tag is one key/value pair of a TagSet.
type Tag struct {
	Key   string
	Value string
}

// TagSet is an immutable, sorted set of tags. The nil *TagSet is the empty set,
// so every method is safe on nil. Because it never changes after creation, one
// TagSet is shared by many samples and goroutines without copying.
type TagSet struct {
	tags []Tag // sorted by Key, unique keys

	// derived caches recent results of With on this set, so code that
	// derives the same set for every sample (a check's tags, once per
	// iteration) allocates it once. Made by the first With.
	derived atomic.Pointer[withCache]
}

// withCache is a small direct-mapped cache of With results, by value.
type withCache [withCacheSlots]atomic.Pointer[withEntry]

type withEntry struct {
	key, value string
	set        *TagSet
}

// withCacheSlots is the size of a TagSet's cache of With results.
const withCacheSlots = 8

// NewTagSet builds a TagSet from a map. An empty map gives nil (the empty set).
func NewTagSet(m map[string]string) *TagSet {
	if len(m) == 0 {
		return nil
	}
	tags := make([]Tag, 0, len(m))
	for k, v := range m {
		tags = append(tags, Tag{k, v})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return &TagSet{tags: tags}
}

// Len returns the number of tags.
func (t *TagSet) Len() int {
	if t == nil {
		return 0
	}
	return len(t.tags)
}

func (t *TagSet) find(key string) (int, bool) {
	if t == nil {
		return 0, false
	}
	i := sort.Search(len(t.tags), func(i int) bool { return t.tags[i].Key >= key })
	return i, i < len(t.tags) && t.tags[i].Key == key
}

// Get returns the value of key and whether it is present.
func (t *TagSet) Get(key string) (string, bool) {
	i, ok := t.find(key)
	if !ok {
		return "", false
	}
	return t.tags[i].Value, true
}

// With returns a TagSet with key set to value (t itself is unchanged): t
// when it already has that tag, else a new set, which later calls with the
// same key and value may get again (sets are immutable and shared).
func (t *TagSet) With(key, value string) *TagSet {
	i, ok := t.find(key)
	if ok && t.tags[i].Value == value {
		return t
	}
	if t == nil {
		return t.with(i, ok, key, value)
	}
	c := t.derived.Load()
	if c == nil {
		c = new(withCache)
		if !t.derived.CompareAndSwap(nil, c) {
			c = t.derived.Load()
		}
	}
	slot := &c[withSlot(value)]
	if e := slot.Load(); e != nil && e.key == key && e.value == value {
		return e.set
	}
	out := t.with(i, ok, key, value)
	slot.Store(&withEntry{key: key, value: value, set: out})
	return out
}

// withSlot picks the cache slot of a With value.
func withSlot(v string) int {
	// FNV-1a over the length and up to 8 bytes from each end.
	h := uint32(2166136261) ^ uint32(len(v))
	h *= 16777619
	for i := 0; i < len(v) && i < 8; i++ {
		h = (h ^ uint32(v[i])) * 16777619
	}
	for i := max(len(v)-8, 8); i < len(v); i++ {
		h = (h ^ uint32(v[i])) * 16777619
	}
	return int(h^h>>16) & (withCacheSlots - 1)
}

// with builds t plus key=value; i and ok are where find put key.
func (t *TagSet) with(i int, ok bool, key, value string) *TagSet {
	n := t.Len()
	if !ok {
		n++
	}
	out := make([]Tag, 0, n)
	if t != nil {
		out = append(out, t.tags[:i]...)
	}
	out = append(out, Tag{key, value})
	if t != nil {
		if ok {
			out = append(out, t.tags[i+1:]...)
		} else {
			out = append(out, t.tags[i:]...)
		}
	}
	return &TagSet{tags: out}
}

// WithMap returns a new TagSet with every pair of m set (m wins over t).
func (t *TagSet) WithMap(m map[string]string) *TagSet {
	if len(m) == 0 {
		return t
	}
	merged := t.Map()
	if merged == nil {
		merged = make(map[string]string, len(m))
	}
	for k, v := range m {
		merged[k] = v
	}
	return NewTagSet(merged)
}

// Without returns a new TagSet without key.
func (t *TagSet) Without(key string) *TagSet {
	i, ok := t.find(key)
	if !ok {
		return t
	}
	if len(t.tags) == 1 {
		return nil
	}
	out := make([]Tag, 0, len(t.tags)-1)
	out = append(out, t.tags[:i]...)
	out = append(out, t.tags[i+1:]...)
	return &TagSet{tags: out}
}

// Tags returns the tags sorted by key. The slice must not be modified.
func (t *TagSet) Tags() []Tag {
	if t == nil {
		return nil
	}
	return t.tags
}

// Map returns a fresh map of the tags (nil for the empty set).
func (t *TagSet) Map() map[string]string {
	if t.Len() == 0 {
		return nil
	}
	m := make(map[string]string, len(t.tags))
	for _, tg := range t.tags {
		m[tg.Key] = tg.Value
	}
	return m
}

// Contains reports whether every tag of sub is present in t with the same value.
func (t *TagSet) Contains(sub *TagSet) bool {
	for _, tg := range sub.Tags() {
		if v, ok := t.Get(tg.Key); !ok || v != tg.Value {
			return false
		}
	}
	return true
}

// String renders the set as k6 does in sub-metric names: `tag1:value1,tag2:value2`.
func (t *TagSet) String() string {
	var b strings.Builder
	for i, tg := range t.Tags() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(tg.Key)
		b.WriteByte(':')
		b.WriteString(tg.Value)
	}
	return b.String()
}

// MarshalJSON encodes the set as a JSON object.
func (t *TagSet) MarshalJSON() ([]byte, error) {
	if t.Len() == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(t.Map())
}

// TagsAndMeta is a VU's mutable set of tags and metadata (`exec.vu.metrics.tags`
// and `.metadata`). Reads return immutable snapshots; it is safe for concurrent use.
type TagsAndMeta struct {
	mu   sync.RWMutex
	tags *TagSet
	meta map[string]string
}

// NewTagsAndMeta returns a TagsAndMeta starting with tags.
func NewTagsAndMeta(tags *TagSet) *TagsAndMeta { return &TagsAndMeta{tags: tags} }

// Tags returns the current tag snapshot.
func (tm *TagsAndMeta) Tags() *TagSet {
	tm.mu.RLock()
	defer tm.mu.RUnlock()
	return tm.tags
}

// SetTag sets one tag.
func (tm *TagsAndMeta) SetTag(k, v string) {
	tm.mu.Lock()
	tm.tags = tm.tags.With(k, v)
	tm.mu.Unlock()
}

// DeleteTag removes one tag.
func (tm *TagsAndMeta) DeleteTag(k string) {
	tm.mu.Lock()
	tm.tags = tm.tags.Without(k)
	tm.mu.Unlock()
}

// Metadata returns a copy of the metadata map (nil when empty).
func (tm *TagsAndMeta) Metadata() map[string]string {
	tm.mu.RLock()
	defer tm.mu.RUnlock()
	if len(tm.meta) == 0 {
		return nil
	}
	m := make(map[string]string, len(tm.meta))
	for k, v := range tm.meta {
		m[k] = v
	}
	return m
}

// SetMetadata sets one metadata entry.
func (tm *TagsAndMeta) SetMetadata(k, v string) {
	tm.mu.Lock()
	if tm.meta == nil {
		tm.meta = make(map[string]string)
	}
	tm.meta[k] = v
	tm.mu.Unlock()
}

// DeleteMetadata removes one metadata entry.
func (tm *TagsAndMeta) DeleteMetadata(k string) {
	tm.mu.Lock()
	delete(tm.meta, k)
	tm.mu.Unlock()
}
