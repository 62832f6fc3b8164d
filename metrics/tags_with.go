package metrics

// WithTags returns a new TagSet holding t's tags and tags, where tags win over
// t and, among tags, a later pair wins over an earlier one with the same key.
// tags may be in any order and is not modified. It allocates the result once
// (no map, no reflection), which makes it the cheap way to add several
// per-request tags on a hot path; t itself is unchanged.
func (t *TagSet) WithTags(tags ...Tag) *TagSet {
	if len(tags) == 0 {
		return t
	}
	base := t.Tags()
	out := make([]Tag, 0, len(base)+len(tags))
	out = append(out, base...)
	out = append(out, tags...)
	// Stable insertion sort by key: the inputs are short (tens of tags) and
	// stability keeps "later wins" for duplicate keys.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Key < out[j-1].Key; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	// Drop duplicates, keeping the last pair of each key.
	w := 0
	for i := range out {
		if i+1 < len(out) && out[i+1].Key == out[i].Key {
			continue
		}
		out[w] = out[i]
		w++
	}
	return &TagSet{tags: out[:w]}
}
